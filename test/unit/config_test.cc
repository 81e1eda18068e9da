#include "kube/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kube {
namespace {

constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: Q0EtUEVN
- name: c2
  cluster:
    server: https://10.0.0.1:443
    certificate-authority: ca.pem
    insecure-skip-tls-verify: true
contexts:
- name: one
  context: {cluster: c1, user: cert-user, namespace: team}
- name: two
  context: {cluster: c2, user: token-user}
users:
- name: cert-user
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: token-user
  user:
    tokenFile: token
)";

TEST(Config, ReadsTheCurrentContext) {
  auto cfg = Config::FromKubeconfigText(kKubeconfig, "/nowhere");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://127.0.0.1:6443");
  EXPECT_EQ(cfg->ca_pem, "CA-PEM");
  EXPECT_EQ(cfg->client_cert_pem, "CERT");
  EXPECT_EQ(cfg->client_key_pem, "KEY");
  EXPECT_EQ(cfg->namespace_, "team");
}

TEST(Config, ResolvesFilesRelativeToTheKubeconfig) {
  auto dir = std::filesystem::temp_directory_path() / ("kubeconfig-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ca.pem") << "FILE-CA";
  std::ofstream(dir / "token") << "secret-token\n";
  std::ofstream(dir / "config") << kKubeconfig;
  auto cfg = Config::FromKubeconfigFile((dir / "config").string(), "two");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->ca_pem, "FILE-CA");
  EXPECT_EQ(cfg->token_file, (dir / "token").string());
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->namespace_, "default");
  std::filesystem::remove_all(dir);
}

TEST(Config, ClearErrorsForBadInput) {
  struct Case {
    std::string text, context, expect;
  };
  const std::vector<Case> cases = {
      {"{{{", "", "not valid YAML"},
      {"- a\n- b\n", "", "not a YAML mapping"},
      {"apiVersion: v1\n", "", "no current-context"},
      {kKubeconfig, "three", "no context named \"three\""},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: nope}\n", "", "unknown cluster \"nope\""},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {}\n", "",
       "has no server"},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster:\n"
       "    server: ftp://x\n", "", "not an http(s) URL"},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n"
       "  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user: {client-certificate-data: Q0VSVA==}\n", "",
       "without a key"},
      {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n"
       "  cluster: {server: 'https://h', certificate-authority-data: '%%%'}\n", "", "not valid base64"},
  };
  for (const auto& c : cases) {
    auto cfg = Config::FromKubeconfigText(c.text, "/nowhere", c.context);
    ASSERT_FALSE(cfg.ok()) << c.expect;
    EXPECT_EQ(cfg.status().code(), Code::kInvalidArgument);
    EXPECT_NE(cfg.status().message().find(c.expect), std::string::npos) << cfg.status().message();
  }
}

TEST(Config, MissingFileIsAClearError) {
  auto cfg = Config::FromKubeconfigFile("/does/not/exist");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("cannot read /does/not/exist"), std::string::npos);
}

TEST(Config, InClusterNeedsTheServiceEnvironment) {
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  auto cfg = Config::InCluster("/nowhere");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("not running in a cluster"), std::string::npos);
}

TEST(Config, InClusterReadsTheServiceAccount) {
  auto root = std::filesystem::temp_directory_path() / ("incluster-" + std::to_string(::getpid()));
  auto dir = root / "var/run/secrets/kubernetes.io/serviceaccount";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "tok";
  std::ofstream(dir / "ca.crt") << "CA";
  std::ofstream(dir / "namespace") << "ops";
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto cfg = Config::InCluster(root.string());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->namespace_, "ops");
  EXPECT_EQ(cfg->ca_pem, "CA");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace kube
