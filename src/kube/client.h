// Client: the verbs of the Kubernetes API on any resource, with objects as
// JSON. get, list (paged), create, update, patch (merge, strategic-merge,
// JSON), server-side apply, delete (propagation, preconditions) and watch,
// for objects and their status subresource.
#ifndef KUBE_CLIENT_H_
#define KUBE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "kube/field_mask.h"
#include "kube/json_decode.h"
#include "kube/object.h"
#include "kube/resource.h"
#include "kube/rest_client.h"
#include "kube/rest_mapper.h"

namespace kube {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;             // page size; 0: server default (all)
  std::string continue_token;
  std::string resource_version;  // "" consistent read, "0" any (from the watch cache)
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;
  bool allow_bookmarks = true;
  int timeout_seconds = 0;  // server-side end of the watch; 0: server default
  std::chrono::seconds idle_timeout{120};  // no byte (bookmarks included) for this long: broken
};

enum class PatchType { kMerge, kStrategicMerge, kJsonPatch };

struct ApplyOptions {
  std::string field_manager;
  bool force = true;
  std::string subresource;  // "" or "status"
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Background", "Foreground", "Orphan"
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
};

// Per-call settings.
struct CallOptions {
  // Every attempt of the call, retries included, ends by then (Timeout); unset: the client's defaults.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

class Client {
 public:
  explicit Client(std::shared_ptr<RestClient> rest);
  // A client of the cluster the kubeconfig at `kubeconfig` names (Config::Load's search when
  // empty), sending `user_agent` (the configuration's when empty). The error says which step failed.
  [[nodiscard]] static Result<std::unique_ptr<Client>> Connect(const std::string& kubeconfig,
                                                               const std::string& user_agent = "");

  Result<Object> Get(const Resource& res, const std::string& ns, const std::string& name,
                     const CallOptions& call = {});
  // One page.
  Result<ListPage> List(const Resource& res, const std::string& ns, const ListOptions& options,
                        const FieldMask* mask = nullptr);
  // Every page, following continue tokens (page size `options.limit`, 500 when 0).
  Result<ListPage> ListAll(const Resource& res, const std::string& ns, ListOptions options,
                           const FieldMask* mask = nullptr);
  Result<Object> Create(const Resource& res, const nlohmann::json& object, const CallOptions& call = {});
  // PUT with the object's resourceVersion: Conflict when it is stale.
  Result<Object> Update(const Resource& res, const nlohmann::json& object, const std::string& subresource = "",
                        const CallOptions& call = {});
  Result<Object> Patch(const Resource& res, const std::string& ns, const std::string& name, PatchType type,
                       const std::string& body, const std::string& subresource = "");
  // Server-side apply of the fields in `object` (which names itself).
  Result<Object> Apply(const Resource& res, const nlohmann::json& object, const ApplyOptions& options);
  Status Delete(const Resource& res, const std::string& ns, const std::string& name,
                const DeleteOptions& options = {});

  // Streams watch events to `on_event` until the server ends the watch,
  // `on_event` returns false, or `stop` is requested. Events decode as bytes arrive.
  Status Watch(const Resource& res, const std::string& ns, const WatchOptions& options, std::stop_token stop,
               const std::function<bool(WatchEvent&&)>& on_event, const FieldMask* mask = nullptr);

  RestMapper& mapper() { return mapper_; }
  RestClient& rest() { return *rest_; }

 private:
  std::shared_ptr<RestClient> rest_;
  RestMapper mapper_;
};

// Percent-encodes a query parameter value.
std::string QueryEscape(const std::string& value);

}  // namespace kube

#endif  // KUBE_CLIENT_H_
