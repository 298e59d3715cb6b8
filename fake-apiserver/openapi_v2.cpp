#include "fake-apiserver/openapi_v2.h"

#include <cstdint>

namespace kci::apiserver {
namespace {

using nlohmann::json;

// ---- protobuf wire format ----------------------------------------------------------------

//! Wire types of the protobuf encoding.
enum Wire : std::uint32_t { kVarint = 0, kLengthDelimited = 2 };

class ProtoWriter {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void tag(std::uint32_t field, Wire wire) { varint((static_cast<std::uint64_t>(field) << 3) | wire); }
  void bytes(std::uint32_t field, std::string_view s) {
    tag(field, kLengthDelimited);
    varint(s.size());
    out_.append(s);
  }
  //! proto3 scalars are omitted when empty / false.
  void string(std::uint32_t field, std::string_view s) {
    if (!s.empty()) bytes(field, s);
  }
  void boolean(std::uint32_t field, bool b) {
    if (!b) return;
    tag(field, kVarint);
    varint(1);
  }
  void message(std::uint32_t field, const ProtoWriter& m) { bytes(field, m.out_); }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

//! A JSON value as the YAML text gnostic keeps in Any.yaml (JSON is valid YAML).
std::string yaml_of(const json& v) { return v.dump() + "\n"; }

//! NamedAny { name = 1; Any value = 2 } with Any { yaml = 2 }.
ProtoWriter named_any(const std::string& name, const json& v) {
  ProtoWriter any;
  any.string(2, yaml_of(v));
  ProtoWriter n;
  n.string(1, name);
  n.message(2, any);
  return n;
}

ProtoWriter encode_schema(const json& s);

//! Schema fields by number (gnostic OpenAPIv2.proto, message Schema).
ProtoWriter encode_schema(const json& s) {
  ProtoWriter w;
  if (!s.is_object()) return w;
  w.string(1, s.value("$ref", ""));
  w.string(2, s.value("format", ""));
  w.string(3, s.value("title", ""));
  w.string(4, s.value("description", ""));
  if (auto it = s.find("required"); it != s.end() && it->is_array())
    for (const auto& r : *it)
      if (r.is_string()) w.bytes(19, r.get<std::string>());
  if (auto it = s.find("additionalProperties"); it != s.end()) {
    ProtoWriter item;  // AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2; } }
    if (it->is_boolean()) {
      item.tag(2, kVarint);
      item.varint(it->get<bool>() ? 1 : 0);
    } else {
      item.message(1, encode_schema(*it));
    }
    w.message(21, item);
  }
  if (auto it = s.find("type"); it != s.end()) {
    ProtoWriter type;  // TypeItem { repeated string value = 1; }
    if (it->is_string()) type.bytes(1, it->get<std::string>());
    if (it->is_array())
      for (const auto& t : *it) type.bytes(1, t.get<std::string>());
    w.message(22, type);
  }
  if (auto it = s.find("items"); it != s.end()) {
    ProtoWriter items;  // ItemsItem { repeated Schema schema = 1; }
    if (it->is_array()) {
      for (const auto& i : *it) items.message(1, encode_schema(i));
    } else {
      items.message(1, encode_schema(*it));
    }
    w.message(23, items);
  }
  if (auto it = s.find("properties"); it != s.end() && it->is_object()) {
    ProtoWriter props;  // Properties { repeated NamedSchema additional_properties = 1; }
    for (const auto& [name, sub] : it->items()) {
      ProtoWriter named;
      named.string(1, name);
      named.message(2, encode_schema(sub));
      props.message(1, named);
    }
    w.message(25, props);
  }
  w.boolean(27, s.value("readOnly", false));
  for (const auto& [k, v] : s.items())
    if (k.starts_with("x-")) w.message(31, named_any(k, v));
  return w;
}

//! A query or path parameter: Parameter { NonBodyParameter non_body_parameter = 2 } with
//! QueryParameterSubSchema (3) or PathParameterSubSchema (4); a body parameter:
//! Parameter { BodyParameter body_parameter = 1 }.
ProtoWriter encode_parameter(const json& p) {
  ProtoWriter param;
  const std::string in = p.value("in", "");
  if (in == "body") {
    ProtoWriter body;
    body.string(1, p.value("description", ""));
    body.string(2, p.value("name", ""));
    body.string(3, in);
    body.boolean(4, p.value("required", false));
    body.message(5, encode_schema(p.value("schema", json::object())));
    param.message(1, body);
  } else {
    ProtoWriter sub;  // Query/PathParameterSubSchema share the first fields' numbers
    sub.boolean(1, p.value("required", false));
    sub.string(2, in);
    sub.string(3, p.value("description", ""));
    sub.string(4, p.value("name", ""));
    if (in == "path") {
      sub.string(5, p.value("type", "string"));
    } else {
      sub.boolean(5, p.value("allowEmptyValue", false));
      sub.string(6, p.value("type", "string"));
      sub.boolean(20, p.value("uniqueItems", false));
    }
    ProtoWriter non_body;
    non_body.message(in == "path" ? 4 : 3, sub);
    param.message(2, non_body);
  }
  ProtoWriter item;  // ParametersItem { Parameter parameter = 1; }
  item.message(1, param);
  return item;
}

ProtoWriter encode_operation(const json& op) {
  ProtoWriter w;  // message Operation
  for (const auto& t : op.value("tags", json::array())) w.bytes(1, t.get<std::string>());
  w.string(3, op.value("description", ""));
  w.string(5, op.value("operationId", ""));
  for (const auto& t : op.value("produces", json::array())) w.bytes(6, t.get<std::string>());
  for (const auto& t : op.value("consumes", json::array())) w.bytes(7, t.get<std::string>());
  for (const auto& p : op.value("parameters", json::array())) w.message(8, encode_parameter(p));
  ProtoWriter responses;  // Responses { repeated NamedResponseValue response_code = 1; }
  const json codes = op.value("responses", json::object());
  for (const auto& [code, r] : codes.items()) {
    ProtoWriter response;  // Response { description = 1; SchemaItem schema = 2; }
    response.string(1, r.value("description", ""));
    if (r.contains("schema")) {
      ProtoWriter schema_item;
      schema_item.message(1, encode_schema(r["schema"]));
      response.message(2, schema_item);
    }
    ProtoWriter value;  // ResponseValue { Response response = 1; }
    value.message(1, response);
    ProtoWriter named;
    named.string(1, code);
    named.message(2, value);
    responses.message(1, named);
  }
  w.message(9, responses);
  for (const auto& [k, v] : op.items())
    if (k.starts_with("x-")) w.message(13, named_any(k, v));
  return w;
}

// ---- the document ------------------------------------------------------------------------

json query_param(const std::string& name, const std::string& description,
                 const std::string& type = "string") {
  return {{"name", name}, {"in", "query"}, {"description", description}, {"type", type},
          {"uniqueItems", true}};
}

json path_param(const std::string& name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"type", "string"},
          {"uniqueItems", true}, {"description", name + " of the object"}};
}

json gvk_of(const kube::ResourceInfo& info, const std::string& version) {
  return json::array({{{"group", info.group}, {"version", version}, {"kind", info.kind}}});
}

//! The query parameters of writes, with the values kube-apiserver documents.
json write_params(bool with_force) {
  json p = json::array(
      {query_param("dryRun", "When present, indicates that modifications should not be persisted."),
       query_param("fieldManager", "A name associated with the actor or entity making these changes."),
       query_param("fieldValidation",
                   "How the server handles unknown or duplicate fields: Ignore, Warn or Strict.")});
  if (with_force) p.push_back(query_param("force", "Force an apply request.", "boolean"));
  return p;
}

json operation(const std::string& id, const std::string& action, const kube::ResourceInfo& info,
               const std::string& version, json params, const std::string& response_ref) {
  json op = {{"operationId", id},
             {"consumes", json::array({"*/*"})},
             {"produces", json::array({"application/json", "application/yaml"})},
             {"parameters", std::move(params)},
             {"responses",
              {{"200", {{"description", "OK"}, {"schema", {{"$ref", response_ref}}}}},
               {"401", {{"description", "Unauthorized"}}}}},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", gvk_of(info, version)[0]}};
  return op;
}

std::string capitalised_group(const std::string& group) {
  std::string out;
  bool up = true;
  for (char c : group) {
    if (c == '.' || c == '-') {
      up = true;
      continue;
    }
    out.push_back(up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    up = false;
  }
  return out.empty() ? "Core" : out;
}

}  // namespace

std::string definition_name(const kube::ResourceInfo& info, std::string_view version) {
  const std::string v(version);
  if (info.group.empty()) return "io.k8s.api.core." + v + "." + info.kind;
  if (info.group == "apiextensions.k8s.io")
    return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + v + "." + info.kind;
  const std::string suffix = ".k8s.io";
  if (info.group.find('.') == std::string::npos)
    return "io.k8s.api." + info.group + "." + v + "." + info.kind;
  if (info.group.ends_with(suffix))
    return "io.k8s.api." + info.group.substr(0, info.group.size() - suffix.size()) + "." + v +
           "." + info.kind;
  // A custom group is written reversed: kci.ksyun.com -> com.ksyun.kci.
  std::string reversed, rest = info.group;
  while (!rest.empty()) {
    const auto dot = rest.rfind('.');
    const std::string part = dot == std::string::npos ? rest : rest.substr(dot + 1);
    reversed += (reversed.empty() ? "" : ".") + part;
    rest = dot == std::string::npos ? "" : rest.substr(0, dot);
  }
  return reversed + "." + v + "." + info.kind;
}

json openapi_v2_document(const Catalogue& catalogue) {
  json paths = json::object();
  json definitions = json::object();
  for (const auto& r : catalogue.resources()) {
    const auto& info = r.info;
    for (const auto& version : r.versions) {
      const std::string def = definition_name(info, version);
      const std::string ref = "#/definitions/" + def;
      // An open object (a map of anything: every field is accepted) without
      // x-kubernetes-group-version-kind: kubectl then computes apply patches from its own
      // compiled-in types (the real merge keys) for built-in kinds and a JSON merge patch
      // for custom resources, and validates nothing client-side (see the header).
      definitions[def] = {{"description", info.kind + " (" + info.api_version() + ")"},
                          {"type", "object"}};
      const std::string base = info.group.empty() ? "/api/" + version
                                                  : "/apis/" + info.group + "/" + version;
      const std::string coll = info.namespaced ? base + "/namespaces/{namespace}/" + info.resource
                                               : base + "/" + info.resource;
      const std::string item = coll + "/{name}";
      const std::string id = capitalised_group(info.group) + version + info.kind;
      json coll_params = json::array({query_param("pretty", "If 'true', the output is pretty printed.")});
      if (info.namespaced) coll_params.push_back(path_param("namespace"));
      json item_params = coll_params;
      item_params.push_back(path_param("name"));
      json body = {{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", {{"$ref", ref}}}};
      json create_params = write_params(false);
      create_params.push_back(body);
      json put_params = create_params;
      json patch_params = write_params(true);
      patch_params.push_back({{"name", "body"}, {"in", "body"}, {"required", true},
                              {"schema", {{"type", "object"}}}});
      paths[coll] = {{"get", operation("list" + id, "list", info, version,
                                       json::array({query_param("labelSelector", "Selects by label."),
                                                    query_param("fieldSelector", "Selects by field."),
                                                    query_param("limit", "Page size.", "integer"),
                                                    query_param("continue", "Next page token."),
                                                    query_param("watch", "Watch for changes.", "boolean")}),
                                       ref)},
                     {"post", operation("create" + id, "post", info, version, create_params, ref)},
                     {"parameters", coll_params}};
      paths[item] = {{"get", operation("read" + id, "get", info, version, json::array(), ref)},
                     {"put", operation("replace" + id, "put", info, version, put_params, ref)},
                     {"patch", operation("patch" + id, "patch", info, version, patch_params, ref)},
                     {"delete", operation("delete" + id, "delete", info, version,
                                          json::array({query_param("gracePeriodSeconds",
                                                                   "Seconds before deletion.", "integer"),
                                                       query_param("propagationPolicy",
                                                                   "Orphan, Background or Foreground.")}),
                                          ref)},
                     {"parameters", item_params}};
    }
  }
  return {{"swagger", "2.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", std::move(paths)},
          {"definitions", std::move(definitions)}};
}

std::string encode_openapi_v2_protobuf(const json& doc) {
  ProtoWriter w;  // message Document
  w.string(1, doc.value("swagger", "2.0"));
  const json info = doc.value("info", json::object());
  ProtoWriter info_w;
  info_w.string(1, info.value("title", ""));
  info_w.string(2, info.value("version", ""));
  w.message(2, info_w);
  ProtoWriter paths;  // Paths { vendor_extension = 1; repeated NamedPathItem path = 2; }
  const json all_paths = doc.value("paths", json::object());
  for (const auto& [path, item] : all_paths.items()) {
    ProtoWriter pi;  // PathItem: get 2, put 3, post 4, delete 5, options 6, head 7, patch 8, parameters 9
    static constexpr std::pair<const char*, std::uint32_t> kVerbs[] = {
        {"get", 2}, {"put", 3}, {"post", 4}, {"delete", 5}, {"patch", 8}};
    for (const auto& [verb, field] : kVerbs)
      if (item.contains(verb)) pi.message(field, encode_operation(item[verb]));
    for (const auto& p : item.value("parameters", json::array())) pi.message(9, encode_parameter(p));
    ProtoWriter named;
    named.string(1, path);
    named.message(2, pi);
    paths.message(2, named);
  }
  w.message(8, paths);
  ProtoWriter defs;  // Definitions { repeated NamedSchema additional_properties = 1; }
  const json all_definitions = doc.value("definitions", json::object());
  for (const auto& [name, schema] : all_definitions.items()) {
    ProtoWriter named;
    named.string(1, name);
    named.message(2, encode_schema(schema));
    defs.message(1, named);
  }
  w.message(9, defs);
  return w.str();
}

}  // namespace kci::apiserver
