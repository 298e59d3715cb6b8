// Test helper: a child process (posix_spawn) with its stdout and stderr captured, for the
// tests that drive kci-vk's commands and kubectl as separate processes.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace kci::testing_process {

using Clock = std::chrono::steady_clock;

//! A child process with its stdout and stderr captured.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra = {}) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, err[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      const std::string s(*e);
      bool overridden = false;
      for (const auto& x : env_extra)
        if (s.substr(0, s.find('=') + 1) == x.substr(0, x.find('=') + 1)) overridden = true;
      if (!overridden) env_strings.push_back(s);
    }
    for (const auto& x : env_extra) env_strings.push_back(x);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0].c_str(), &fa, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }

  //! Reads what is available until `done(out)` holds or the deadline passes.
  bool read_until(const std::function<bool(const std::string&)>& done, Clock::time_point deadline) {
    while (!done(out)) {
      if (Clock::now() >= deadline) return false;
      if (!pump(deadline)) return done(out);
    }
    return true;
  }

  //! Waits for the exit (killing the process at the deadline); returns the exit code, or -1.
  int wait(Clock::time_point deadline) {
    while (pump(deadline)) {
    }
    if (!exited_) {
      if (Clock::now() >= deadline) kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
      exited_ = true;
      code_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    return code_;
  }

  //! Sends SIGTERM and waits for the exit.
  int terminate(Clock::time_point deadline) {
    if (!exited_) kill(pid_, SIGTERM);
    return wait(deadline);
  }

  std::string out, err;

 private:
  //! One poll round; false once both pipes are closed or the deadline passed.
  bool pump(Clock::time_point deadline) {
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (n == 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    if (poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::min<long long>(left.count(), 200))) < 0)
      return false;
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t r = read(fds[i].fd, buf, sizeof buf);
      int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
      std::string& into = fds[i].fd == out_fd_ ? out : err;
      if (r <= 0) {
        close(fd);
        fd = -1;
      } else {
        into.append(buf, static_cast<std::size_t>(r));
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

//! A free loopback port (bound, read, released: the process under test binds it a moment
//! later).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct Outcome {
  int code = -1;
  std::string out, err;
};

}  // namespace kci::testing_process
