#include "kube/manager.h"

#include <cstdlib>
#include <thread>

#include "kube/log.h"
#include "kube/sleep.h"

namespace kube {
namespace {

// Permission errors end the start at once. A kind that is not served ends it only after a
// grace period: a CRD created a moment ago can answer 404 briefly after it is established.
bool Fatal(const Status& s, std::chrono::steady_clock::duration waited) {
  if (s.code() == Code::kForbidden || s.code() == Code::kUnauthorized) return true;
  return s.code() == Code::kNotFound && waited > std::chrono::seconds(10);
}

bool Enabled(const std::string& address) { return !address.empty() && address != "0"; }

}  // namespace

Result<std::unique_ptr<Manager>> Manager::Create(Config config, ManagerOptions options) {
  auto rest = RestClient::Create(config);
  if (!rest.ok()) return rest.status();
  auto client = std::make_shared<Client>(std::shared_ptr<RestClient>(std::move(rest).value()));
  if (options.leader_elect) {
    if (options.leader_election.name.empty()) options.leader_election.name = options.name;
    if (options.leader_election.namespace_.empty()) options.leader_election.namespace_ = config.namespace_;
  }
  return std::unique_ptr<Manager>(new Manager(std::move(config), std::move(options), std::move(client)));
}

Manager::Manager(Config config, ManagerOptions options, std::shared_ptr<Client> client)
    : config_(std::move(config)), options_(std::move(options)), client_(std::move(client)) {
  recorder_ = std::make_unique<EventRecorder>(*client_, options_.name, config_.namespace_);
}

Manager::~Manager() = default;

Informer& Manager::GetInformer(const Resource& resource, InformerOptions options) {
  const std::string key = resource.ApiVersion() + "/" + resource.plural + "|" + options.namespace_ + "|" +
                          options.label_selector + "|" + options.field_selector;
  auto& slot = informers_[key];
  if (!slot) slot = std::make_unique<Informer>(*client_, resource, std::move(options));
  return *slot;
}

void Manager::AddController(std::unique_ptr<Controller> controller) { controllers_.push_back(std::move(controller)); }

bool Manager::synced() const {
  for (const auto& [key, inf] : informers_) {
    if (!inf->HasSynced()) return false;
  }
  return true;
}

Status Manager::Preflight() {
  Request req;
  req.path = "/version";
  req.timeout = std::chrono::seconds(15);
  auto resp = client_->rest().Do(req);
  if (!resp.ok()) return resp.status().WithContext("API server " + config_.server + " is not usable");
  return Status::Ok();
}

Status Manager::StartServers() {
  auto make = [this](const std::string& address) -> Result<std::unique_ptr<ProbeServer>> {
    auto server = std::make_unique<ProbeServer>();
    server->AddHealthCheck("ping", [] { return Status::Ok(); });
    server->AddReadyCheck("informers-synced", [this] {
      return synced() ? Status::Ok() : Status(Code::kUnavailable, "caches not synced");
    });
    Status s = server->Start(address);
    if (!s.ok()) return s;
    return server;
  };
  if (Enabled(options_.metrics_address)) {
    auto s = make(options_.metrics_address);
    if (!s.ok()) return s.status().WithContext("metrics server");
    metrics_server_ = std::move(s).value();
  }
  if (Enabled(options_.probe_address) && options_.probe_address != options_.metrics_address) {
    auto s = make(options_.probe_address);
    if (!s.ok()) return s.status().WithContext("health probe server");
    probe_server_ = std::move(s).value();
  }
  return Status::Ok();
}

Status Manager::WaitForCaches(std::stop_token stop) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options_.cache_sync_timeout;
  while (!synced()) {
    if (stop.stop_requested()) return Status(Code::kCancelled, "stopped while waiting for caches");
    for (const auto& [key, inf] : informers_) {
      Status err = inf->LastError();
      if (!inf->HasSynced() && Fatal(err, std::chrono::steady_clock::now() - start)) {
        std::string context = "cannot list " + inf->resource().plural;
        if (err.code() == Code::kNotFound) context += " (not served: is its CustomResourceDefinition installed?)";
        return err.WithContext(context);
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(Code::kTimeout, "timed out waiting for caches to sync");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Ok();
}

Status Manager::Run(std::stop_token stop) {
  KUBE_RETURN_IF_ERROR(Preflight());
  KUBE_RETURN_IF_ERROR(StartServers());

  std::stop_source informers_stop;
  std::vector<std::jthread> informer_threads;
  for (auto& [key, inf] : informers_) {
    informer_threads.emplace_back([inf = inf.get(), token = informers_stop.get_token()] { inf->Run(token); });
  }
  auto stop_informers = [&] {
    informers_stop.request_stop();
    informer_threads.clear();  // joins
  };
  if (Status s = WaitForCaches(stop); !s.ok()) {
    stop_informers();
    return s.code() == Code::kCancelled ? Status::Ok() : s;
  }
  log::Info("caches synced", {{"informers", std::to_string(informers_.size())}});

  std::unique_ptr<LeaderElector> elector;
  if (options_.leader_elect) {
    elector = std::make_unique<LeaderElector>(*client_, options_.leader_election);
    Status s = elector->Acquire(stop);
    if (!s.ok()) {
      stop_informers();
      return s.code() == Code::kCancelled ? Status::Ok() : s;
    }
  }

  // Watchdog: a drain that outlives the graceful-shutdown period ends the process.
  std::jthread watchdog([this, stop](std::stop_token own) {
    std::stop_source either;
    std::stop_callback on_stop(stop, [&] { either.request_stop(); });
    std::stop_callback on_own(own, [&] { either.request_stop(); });
    WaitForStop(either.get_token());
    if (own.stop_requested()) return;
    if (SleepFor(own, options_.graceful_shutdown)) {
      log::Error("graceful shutdown took too long; exiting");
      std::_Exit(1);
    }
  });

  std::stop_source controllers_stop;
  std::stop_callback forward(stop, [&] { controllers_stop.request_stop(); });
  Status lost;
  std::stop_source hold_stop;
  std::jthread holder;
  if (elector) {
    holder = std::jthread([&] {
      lost = elector->Hold(hold_stop.get_token());
      if (!lost.ok()) {
        log::Error("leadership lost; stopping controllers", {{"error", lost.ToString()}});
        controllers_stop.request_stop();
      }
    });
  }
  {
    std::vector<std::jthread> threads;
    for (auto& c : controllers_) {
      threads.emplace_back([c = c.get(), token = controllers_stop.get_token()] { c->Run(token); });
    }
    if (controllers_.empty()) WaitForStop(controllers_stop.get_token());
  }  // controllers drained
  hold_stop.request_stop();
  if (holder.joinable()) holder.join();  // releases the lease after the drain
  recorder_->Flush();
  stop_informers();
  watchdog.request_stop();
  return lost;
}

}  // namespace kube
