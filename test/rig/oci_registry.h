// OciRegistry: a real OCI registry on loopback for one test suite (Debian's
// docker-registry, run by hack/oci-registry), with Basic sign-in and the pull
// secret that signs in to it, or with Bearer sign-in: a token service
// (busybox httpd serving a token file) the registry sends clients to.
#ifndef TEST_RIG_OCI_REGISTRY_H_
#define TEST_RIG_OCI_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "child_process.h"

namespace rig {

class OciRegistry {
 public:
  static constexpr const char* kUser = "puller";
  static constexpr const char* kPassword = "pull-secret-password";

  enum class SignIn { kBasic, kBearer };
  explicit OciRegistry(SignIn sign_in = SignIn::kBasic);  // starts it; ready() says whether it answers
  bool ready() const { return ready_; }
  // "127.0.0.1:<port>"
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // Pushes a minimal image to `repository` (a path on this registry) under each tag.
  bool Push(const std::string& repository, const std::vector<std::string>& tags) const;
  // A kubernetes.io/dockerconfigjson Secret `name` in `ns` holding this registry's credentials.
  nlohmann::json PullSecret(const std::string& ns, const std::string& name) const;
  std::string Output() const { return process_ ? process_->Output() : ""; }
  // What the token service logged (Bearer only): one "url:/token" per token handed out.
  std::string TokenServiceLog() const { return token_service_ ? token_service_->Output() : ""; }

 private:
  int port_;
  std::string dir_;
  std::unique_ptr<ChildProcess> token_service_;
  std::unique_ptr<ChildProcess> process_;
  bool ready_ = false;
};

}  // namespace rig

#endif  // TEST_RIG_OCI_REGISTRY_H_
