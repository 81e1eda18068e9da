#include "rig_environment.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "manifests/renderer.h"

namespace rig {

namespace {
RigEnvironment* g_env = nullptr;
}

int Shell(const std::string& command, std::string* out) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  int status = pclose(pipe);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

RigEnvironment& RigEnvironment::Get() { return *g_env; }

void RigEnvironment::SetUp() {
  g_env = this;
  dir_ = (std::filesystem::temp_directory_path() / ("rig-test-" + std::to_string(::getpid()))).string();
  std::string out;
  int rc = RigCommand("up", &out);
  ASSERT_EQ(rc, 0) << "hack/rig up failed:\n" << out;
  // The kubeconfig path is the last line.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  kubeconfig_ = out.substr(out.rfind('\n') + 1);
  ASSERT_TRUE(std::filesystem::exists(kubeconfig_)) << kubeconfig_;
}

void RigEnvironment::TearDown() {
  if (getenv("RIG_KEEP") == nullptr) RigCommand("down");
}

int RigEnvironment::RigCommand(const std::string& args, std::string* out) const {
  return Shell(std::string(ACCELOPS_SOURCE_DIR) + "/hack/rig --dir '" + dir_ + "' " + args, out);
}

std::shared_ptr<kube::Client> RigEnvironment::NewClient() const {
  auto config = kube::Config::FromKubeconfigFile(kubeconfig_);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  auto rest = kube::RestClient::Create(*config);
  EXPECT_TRUE(rest.ok()) << rest.status().ToString();
  return std::make_shared<kube::Client>(std::shared_ptr<kube::RestClient>(std::move(rest).value()));
}

std::string RigEnvironment::NewNamespace(const std::string& prefix) const {
  static std::atomic<int> counter{0};
  const std::string name = prefix + "-" + std::to_string(::getpid() % 100000) + "-" + std::to_string(counter++);
  auto client = NewClient();
  nlohmann::json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  auto created = client->Create(kube::resources::Namespaces(), ns);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return name;
}

kube::Status RigEnvironment::ApplyPath(const std::string& path) const {
  std::vector<std::string> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& e : std::filesystem::directory_iterator(path)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const auto& f : files) {
    auto text = kube::ReadFile(f);
    if (!text.ok()) return text.status();
    auto objects = manifests::YamlToObjects(*text);
    if (!objects.ok()) return objects.status().WithContext(f);
    if (auto applied = ApplyObjects(*objects); !applied.ok()) return applied.WithContext(f);
  }
  return kube::Status::Ok();
}

kube::Status RigEnvironment::ApplyObjects(const std::vector<nlohmann::json>& objects) const {
  auto client = NewClient();
  for (const auto& obj : objects) {
    auto gvk = kube::GroupVersionKind::FromApiVersion(obj.value("apiVersion", ""), obj.value("kind", ""));
    kube::Result<kube::Resource> res = kube::Status(kube::Code::kNotFound, "");
    for (int i = 0; i < 100 && !res.ok(); ++i) {  // a CRD applied just before takes a moment to serve
      res = client->mapper().ResourceFor(gvk);
      if (!res.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!res.ok()) return res.status();
    kube::Result<kube::Object> applied = kube::Status(kube::Code::kNotFound, "");
    for (int i = 0; i < 50; ++i) {
      applied = client->Apply(*res, obj, {"rig-tests", true, ""});
      if (applied.ok() || !kube::IsNotFound(applied.status())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!applied.ok()) return applied.status().WithContext(obj.value("kind", "") + " " + obj["metadata"].value("name", ""));
  }
  return kube::Status::Ok();
}

}  // namespace rig
