// Every well-formed YAML example of the seed documents decodes into its typed kind and
// encodes back to the same JSON: the model loses nothing real manifests carry.
//
// The examples are extracted from ../shared/seeds/*.txt: fenced blocks (```) and indented
// blocks (4+ spaces), dedented, split on `---`, prose before and after cut away; a chunk is
// kept when it parses as a YAML map with apiVersion and kind. Seed 001 lost its indentation
// and yields nothing well-formed, and so did most of 003's blocks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/k8s/object.h"
#include "core/k8s/yaml.h"

namespace kci::k8s {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(l);
  }
  return out;
}

std::size_t indent_of(const std::string& l) {
  std::size_t i = 0;
  while (i < l.size() && l[i] == ' ') ++i;
  return i;
}
bool blank(const std::string& l) { return l.find_first_not_of(" \t") == std::string::npos; }

// Code blocks: fenced ones, and outside fences runs of lines indented by 4 or more.
std::vector<std::vector<std::string>> code_blocks(const std::vector<std::string>& lines) {
  // Markdown's indented code block starts at four spaces.
  constexpr std::size_t kCodeIndent = 4;
  std::vector<std::vector<std::string>> blocks;
  std::vector<std::string> cur;
  bool fenced = false;
  auto flush = [&] {
    const bool any = std::any_of(cur.begin(), cur.end(), [](const auto& l) { return !blank(l); });
    if (any) blocks.push_back(cur);
    cur.clear();
  };
  for (const auto& l : lines) {
    const bool fence = l.substr(indent_of(l)).starts_with("```");
    if (fence) {
      flush();
      fenced = !fenced;
      continue;
    }
    if (fenced || blank(l) || indent_of(l) >= kCodeIndent) {
      cur.push_back(l);
    } else {
      flush();
    }
  }
  flush();
  return blocks;
}

std::vector<std::string> dedent(std::vector<std::string> block) {
  std::size_t min = std::string::npos;
  for (const auto& l : block)
    if (!blank(l)) min = std::min(min, indent_of(l));
  for (auto& l : block) l = blank(l) ? "" : l.substr(min);
  return block;
}

bool top_level_key_line(const std::string& l) {
  // `key:` at column 0, or a comment, or a top-level list item.
  if (l.empty() || l[0] == '#' || l[0] == '-') return true;
  const auto colon = l.find(':');
  if (colon == std::string::npos) return false;
  return std::all_of(l.begin(), l.begin() + colon, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == '"' || c == '\'' || c == '/';
  });
}

// The manifest inside a chunk: from the first top-level apiVersion/kind line to the first
// top-level line that is prose.
std::string manifest_text(const std::vector<std::string>& chunk) {
  std::size_t start = 0;
  while (start < chunk.size() && !chunk[start].starts_with("apiVersion:") &&
         !chunk[start].starts_with("kind:"))
    ++start;
  std::string out;
  for (std::size_t i = start; i < chunk.size(); ++i) {
    const auto& l = chunk[i];
    if (!l.empty() && l[0] != ' ' && !top_level_key_line(l)) break;
    out += l + "\n";
  }
  return out;
}

struct Example {
  std::string seed;
  Json json;
};

// The shared folder beside the checkout; the environment variable KCI_SHARED_DIR overrides
// it (a worktree placed elsewhere).
fs::path seeds_dir() {
  const char* env = std::getenv("KCI_SHARED_DIR");
  return fs::path(env != nullptr && *env != '\0' ? env : KCI_SHARED_DIR) / "seeds";
}

std::vector<Example> seed_examples(std::map<std::string, int>& per_seed) {
  std::vector<Example> out;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(seeds_dir(), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".txt") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string seed = f.filename().string().substr(0, 3);
    per_seed[seed] = 0;
    for (const auto& block : code_blocks(lines_of(text))) {
      std::vector<std::vector<std::string>> chunks(1);
      for (const auto& l : dedent(block)) {
        if (l == "---" || l.starts_with("--- ")) {
          chunks.emplace_back();
        } else {
          chunks.back().push_back(l);
        }
      }
      for (const auto& chunk : chunks) {
        const std::string m = manifest_text(chunk);
        if (m.empty()) continue;
        auto j = yaml_document(m);
        if (!j.ok() || !j->is_object() || !j->contains("apiVersion") || !j->contains("kind"))
          continue;
        if (!(*j)["kind"].is_string()) continue;
        out.push_back({seed, *j});
        ++per_seed[seed];
      }
    }
  }
  return out;
}

// Fields whose values are quantities: a difference there may be canonical printing only.
bool quantity_context(const std::string& path) {
  for (const char* k : {".requests.", ".limits.", ".overhead.", ".capacity.", ".allocatable.",
                        ".sizeLimit", ".divisor"})
    if (path.find(k) != std::string::npos) return true;
  return false;
}

std::optional<Quantity> as_quantity(const Json& j) {
  if (!j.is_string() && !j.is_number()) return std::nullopt;
  auto q = Quantity::parse(j.is_string() ? j.get<std::string>() : j.dump());
  if (!q.ok()) return std::nullopt;
  return *q;
}

// Differences between two JSON values, except a quantity printed another way.
void diff(const Json& want, const Json& got, const std::string& path, std::vector<std::string>& out) {
  if (want == got) return;
  if (want.is_object() && got.is_object()) {
    for (const auto& [k, v] : want.items()) {
      if (!got.contains(k)) {
        out.push_back(path + "." + k + ": missing after the round trip");
      } else {
        diff(v, got[k], path + "." + k, out);
      }
    }
    for (const auto& [k, v] : got.items())
      if (!want.contains(k)) out.push_back(path + "." + k + ": added by the round trip: " + v.dump());
    return;
  }
  if (want.is_array() && got.is_array() && want.size() == got.size()) {
    for (std::size_t i = 0; i < want.size(); ++i)
      diff(want[i], got[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  if (quantity_context(path + ".")) {
    const auto a = as_quantity(want), b = as_quantity(got);
    if (a && b && *a == *b) return;
  }
  out.push_back(path + ": " + want.dump() + " became " + got.dump());
}

template <class T>
void check_round_trip(const Example& ex, std::vector<std::string>& problems) {
  const Json& meta = ex.json.contains("metadata") ? ex.json["metadata"] : Json();
  const std::string name =
      meta.is_object() && meta.contains("name") ? meta["name"].dump() : std::string("(no name)");
  const std::string what = ex.seed + " " + ex.json["kind"].get<std::string>() + " " + name;
  auto v = decode<T>(ex.json);
  if (!v.ok()) {
    problems.push_back(what + ": does not decode: " + v.error().message);
    return;
  }
  const Json back = encode(*v);
  std::vector<std::string> d;
  diff(ex.json, back, "", d);
  for (const auto& x : d) problems.push_back(what + ": " + x);
  auto again = decode<T>(back);
  if (!again.ok()) {
    problems.push_back(what + ": its encoding does not decode: " + again.error().message);
  } else if (!(*again == *v)) {
    problems.push_back(what + ": decode(encode(decode(x))) != decode(x)");
  }
}

void round_trip(const Example& ex, std::vector<std::string>& problems, std::map<std::string, int>& kinds) {
  const std::string kind = ex.json["kind"].get<std::string>();
  ++kinds[kind];
  if (kind == "Pod") return check_round_trip<Pod>(ex, problems);
  if (kind == "Node") return check_round_trip<Node>(ex, problems);
  if (kind == "Namespace") return check_round_trip<Namespace>(ex, problems);
  if (kind == "ConfigMap") return check_round_trip<ConfigMap>(ex, problems);
  if (kind == "Secret") return check_round_trip<Secret>(ex, problems);
  if (kind == "Lease") return check_round_trip<Lease>(ex, problems);
  if (kind == "Event") return check_round_trip<Event>(ex, problems);
  if (kind == "Deployment") return check_round_trip<Deployment>(ex, problems);
  if (kind == "ReplicaSet") return check_round_trip<ReplicaSet>(ex, problems);
  if (kind == "MutatingWebhookConfiguration")
    return check_round_trip<MutatingWebhookConfiguration>(ex, problems);
  ++kinds["(as Unstructured)"];
  check_round_trip<Unstructured>(ex, problems);
}

TEST(SeedExamples, EveryWellFormedManifestRoundTrips) {
  std::map<std::string, int> per_seed, kinds;
  const auto examples = seed_examples(per_seed);
  ASSERT_FALSE(per_seed.empty()) << "no seed documents in " << seeds_dir()
                                 << " (set KCI_SHARED_DIR to the shared folder)";
  std::vector<std::string> problems;
  for (const auto& ex : examples) round_trip(ex, problems, kinds);

  std::cout << "seed examples:";
  for (const auto& [seed, n] : per_seed) std::cout << " " << seed << "=" << n;
  std::cout << "\nkinds:";
  for (const auto& [kind, n] : kinds) std::cout << " " << kind << "=" << n;
  std::cout << "\n";
  for (const auto& p : problems) ADD_FAILURE() << p;

  // Counted when this test was written (000=20, 002=1, 003=6, 004=11; most of 003's blocks
  // lost their indentation in conversion); fewer means the extraction broke.
  EXPECT_GE(per_seed["000"], 20);
  EXPECT_GE(per_seed["003"], 6);
  EXPECT_GE(per_seed["004"], 11);
  EXPECT_GE(examples.size(), 38u);
}

}  // namespace
}  // namespace kci::k8s
