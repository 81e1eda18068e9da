// Config: how to reach and authenticate to an API server.
//
// Loaded from a kubeconfig file (current or named context; client
// certificate and key, bearer token or token file, CA data or file; paths
// relative to the file) or from the in-cluster service account. Precedence
// as in controller-runtime: explicit path, $KUBECONFIG, in-cluster,
// ~/.kube/config.
#ifndef KUBE_CONFIG_H_
#define KUBE_CONFIG_H_

#include <chrono>
#include <string>

#include "kube/status.h"

namespace kube {

struct Config {
  std::string server;              // https://host:port
  std::string ca_pem;              // empty: system trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;
  std::string token_file;          // re-read periodically (bound service-account tokens rotate)
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string namespace_;          // context namespace, "default" when unset
  std::string user_agent = "accelops";

  // Client-side rate limit; qps <= 0 disables it (controller-runtime's default).
  double qps = -1;
  int burst = 0;
  // First delay between retries without a Retry-After; doubles per attempt, capped at 50 times this.
  std::chrono::milliseconds retry_base_delay{100};

  static Result<Config> FromKubeconfigFile(const std::string& path, const std::string& context = "");
  static Result<Config> FromKubeconfigText(const std::string& text, const std::string& base_dir,
                                           const std::string& context = "");
  // Reads KUBERNETES_SERVICE_HOST/PORT and <root>/var/run/secrets/kubernetes.io/serviceaccount.
  static Result<Config> InCluster(const std::string& root = "");
  // --kubeconfig flag, then $KUBECONFIG (first file), then in-cluster, then ~/.kube/config.
  static Result<Config> Load(const std::string& explicit_path = "");
};

// Reads a whole file; a clear error when it cannot.
Result<std::string> ReadFile(const std::string& path);

}  // namespace kube

#endif  // KUBE_CONFIG_H_
