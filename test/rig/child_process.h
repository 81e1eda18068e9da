// ChildProcess: runs a program for a test, with its output in a file, and
// lets the test signal it and wait for it.
#ifndef TEST_RIG_CHILD_PROCESS_H_
#define TEST_RIG_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rig {

class ChildProcess {
 public:
  // `env` ("NAME=value") is added to the test's environment, replacing variables of the same names.
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::vector<std::string>& env = {});
  ~ChildProcess();  // SIGKILLs a process still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Signal(int sig);
  // Waits up to `timeout`; true when it exited. exit_code() is then valid (-signal when killed).
  bool Wait(std::chrono::milliseconds timeout);
  bool Running();
  // SIGTERM, then Wait(timeout): the exit code, or nullopt when it is still running.
  std::optional<int> Terminate(std::chrono::milliseconds timeout);
  int exit_code() const { return exit_code_; }
  // Everything written to stdout and stderr so far.
  std::string Output() const;
  // Waits until Output() contains `text`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const;

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = 0;
  std::string log_path_;
};

// A loopback TCP port that was free a moment ago.
int FreePort();

// The environment of an operator on a machine that reaches no registry but loopback ones: HTTPS
// goes to a proxy that refuses, loopback goes direct. Upstream's captures were made so; a test
// must not depend on what a public registry holds today.
std::vector<std::string> NoRegistryAccess();

}  // namespace rig

#endif  // TEST_RIG_CHILD_PROCESS_H_
