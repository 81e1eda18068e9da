#include "hook_job_runner.h"

#include "child_process.h"
#include "kube/resource.h"
#include "kube/sleep.h"
#include "rig_environment.h"

namespace rig {

using nlohmann::json;

HookJobRunner::HookJobRunner(std::shared_ptr<kube::Client> client, std::string ns, std::string job, Run run)
    : client_(std::move(client)), ns_(std::move(ns)), job_(std::move(job)), run_(std::move(run)),
      thread_([this](std::stop_token stop) { Loop(stop); }) {}

HookJobRunner::~HookJobRunner() {
  thread_.request_stop();
  thread_.join();
}

int HookJobRunner::runs() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(done_.size());
}

std::string HookJobRunner::output() const {
  std::lock_guard lock(mu_);
  return output_;
}

void HookJobRunner::Loop(std::stop_token stop) {
  kube::ListOptions options;
  options.label_selector = "job-name=" + job_;
  while (kube::SleepFor(stop, std::chrono::milliseconds(200))) {
    auto pods = client_->List(kube::resources::Pods(), ns_, options);
    if (!pods.ok()) continue;
    for (const auto& item : pods->items) {
      const json pod = item.Tree();
      const std::string uid = pod["metadata"].value("uid", "");
      const json status = pod.value("status", json::object());
      {
        std::lock_guard lock(mu_);
        if (done_.count(uid)) continue;
      }
      // kwok has started it (and will not touch its status again).
      if (status.value("phase", "") != "Running" || !status.contains("podIP")) continue;
      std::string out;
      const int code = run_(pod["spec"], &out);
      const json& container = pod["spec"]["containers"][0];
      json terminated = {{"exitCode", code}, {"reason", code == 0 ? "Completed" : "Error"}};
      json patch = {{"status",
                     {{"phase", code == 0 ? "Succeeded" : "Failed"},
                      {"containerStatuses",
                       {{{"name", container["name"]}, {"image", container["image"]}, {"imageID", ""},
                         {"ready", false}, {"restartCount", 0}, {"started", false},
                         {"state", {{"terminated", terminated}}}}}}}}};
      (void)client_->Patch(kube::resources::Pods(), ns_, pod["metadata"]["name"], kube::PatchType::kMerge,
                           patch.dump(), "status");
      std::lock_guard lock(mu_);
      done_.insert(uid);
      output_ += out;
    }
  }
}

std::vector<std::string> ContainerArgs(const json& pod, const std::string& from, const std::string& to) {
  std::vector<std::string> args;
  for (const auto& a : pod["containers"][0].value("args", json::array())) {
    std::string s = a.get<std::string>();
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    args.push_back(s);
  }
  return args;
}

// A kubeconfig that authenticates as the ServiceAccount (empty on failure): the operator run with it
// has exactly the chart's permissions.
std::string ServiceAccountKubeconfig(const std::string& account, const std::string& ns) {
  auto& env = RigEnvironment::Get();
  std::string out;
  if (env.RigCommand("kubectl create token " + account + " -n " + ns + " --duration 1h", &out) != 0) return "";
  const std::string token = out.substr(0, out.find_last_not_of("\n") + 1);
  const std::string kubeconfig = env.dir() + "/" + account + ".kubeconfig";
  if (Shell("cp " + env.kubeconfig() + " " + kubeconfig, nullptr) != 0) return "";
  if (env.RigCommand("kubectl --kubeconfig " + kubeconfig + " config set-credentials " + account + " --token=" + token) != 0 ||
      env.RigCommand("kubectl --kubeconfig " + kubeconfig + " config set-context --current --user=" + account) != 0) {
    return "";
  }
  return kubeconfig;
}

// Runs a chart's CRD hook Job as its pod would: `binary` with the Job's args and nothing but the
// hook's ServiceAccount, the image's /crds being `crds_dir`.
HookJobRunner::Run CrdHook(const std::string& binary, const std::string& ns, const std::string& crds_dir) {
  return [=](const json& pod, std::string* out) {
    const std::string kubeconfig = ServiceAccountKubeconfig(pod.value("serviceAccountName", ""), ns);
    if (kubeconfig.empty()) {
      *out = "no token for the hook's ServiceAccount";
      return 1;
    }
    std::vector<std::string> args = {"--kubeconfig", kubeconfig};
    for (auto& a : ContainerArgs(pod, "=/crds", "=" + crds_dir)) args.push_back(a);
    ChildProcess hook(binary, args);
    const bool exited = hook.Wait(std::chrono::milliseconds(120000));
    *out = hook.Output();
    return exited ? hook.exit_code() : 124;
  };
}

}  // namespace rig
