#include "kube/client.h"

#include <nlohmann/json.hpp>

#include "kube/json_stream.h"
#include "kube/log.h"

namespace kube {
namespace {

// Appends "&key=value" (or "?key=value" for the first parameter) when value is set.
void AddParam(std::string* path, const char* key, const std::string& value) {
  if (value.empty()) return;
  *path += path->find('?') == std::string::npos ? '?' : '&';
  *path += key;
  *path += '=';
  *path += QueryEscape(value);
}

std::string Sub(const std::string& path, const std::string& subresource) {
  return subresource.empty() ? path : path + "/" + subresource;
}

Result<Object> ObjectFrom(Result<Response> resp) {
  if (!resp.ok()) return resp.status();
  return DecodeObject(std::move(resp).value().body);
}

Result<std::pair<std::string, std::string>> NamespaceAndName(const Resource& res, const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return Status(Code::kInvalidArgument, "object has no metadata");
  }
  const auto& md = object["metadata"];
  std::string name = md.value("name", "");
  std::string ns = res.namespaced ? md.value("namespace", "") : "";
  if (res.namespaced && ns.empty()) return Status(Code::kInvalidArgument, res.kind + " " + name + " has no namespace");
  return std::make_pair(ns, name);
}

}  // namespace

std::string QueryEscape(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

Client::Client(std::shared_ptr<RestClient> rest) : rest_(std::move(rest)), mapper_(*rest_) {}

Result<std::unique_ptr<Client>> Client::Connect(const std::string& kubeconfig, const std::string& user_agent) {
  auto config = Config::Load(kubeconfig);
  if (!config.ok()) return config.status().WithContext("loading the Kubernetes configuration");
  if (!user_agent.empty()) config->user_agent = user_agent;
  auto rest = RestClient::Create(*config);
  if (!rest.ok()) return rest.status().WithContext("creating the API client");
  return std::make_unique<Client>(std::shared_ptr<RestClient>(std::move(rest).value()));
}

Result<Object> Client::Get(const Resource& res, const std::string& ns, const std::string& name,
                           const CallOptions& call) {
  Request req;
  req.path = res.ObjectPath(ns, name);
  req.deadline = call.deadline;
  return ObjectFrom(rest_->Do(req));
}

Result<ListPage> Client::List(const Resource& res, const std::string& ns, const ListOptions& options,
                              const FieldMask* mask) {
  Request req;
  req.path = res.CollectionPath(ns);
  AddParam(&req.path, "labelSelector", options.label_selector);
  AddParam(&req.path, "fieldSelector", options.field_selector);
  if (options.limit > 0) AddParam(&req.path, "limit", std::to_string(options.limit));
  AddParam(&req.path, "continue", options.continue_token);
  AddParam(&req.path, "resourceVersion", options.resource_version);
  req.timeout = std::chrono::seconds(60);
  auto resp = rest_->Do(req);
  if (!resp.ok()) return resp.status();
  return DecodeList(resp->body, mask);
}

Result<ListPage> Client::ListAll(const Resource& res, const std::string& ns, ListOptions options,
                                 const FieldMask* mask) {
  if (options.limit <= 0) options.limit = 500;
  ListPage all;
  for (;;) {
    auto page = List(res, ns, options, mask);
    if (!page.ok()) return page.status();
    all.resource_version = page->resource_version;
    all.items.insert(all.items.end(), std::make_move_iterator(page->items.begin()),
                     std::make_move_iterator(page->items.end()));
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
    options.resource_version.clear();  // continue tokens carry their own snapshot
  }
  return all;
}

Result<Object> Client::Create(const Resource& res, const nlohmann::json& object, const CallOptions& call) {
  auto where = NamespaceAndName(res, object);
  if (!where.ok()) return where.status();
  Request req;
  req.deadline = call.deadline;
  req.method = "POST";
  req.path = res.CollectionPath(where->first);
  req.body = object.dump();
  return ObjectFrom(rest_->Do(req));
}

Result<Object> Client::Update(const Resource& res, const nlohmann::json& object, const std::string& subresource,
                              const CallOptions& call) {
  auto where = NamespaceAndName(res, object);
  if (!where.ok()) return where.status();
  Request req;
  req.deadline = call.deadline;
  req.method = "PUT";
  req.path = Sub(res.ObjectPath(where->first, where->second), subresource);
  req.body = object.dump();
  return ObjectFrom(rest_->Do(req));
}

Result<Object> Client::Patch(const Resource& res, const std::string& ns, const std::string& name, PatchType type,
                             const std::string& body, const std::string& subresource) {
  Request req;
  req.method = "PATCH";
  req.path = Sub(res.ObjectPath(ns, name), subresource);
  req.body = body;
  switch (type) {
    case PatchType::kMerge: req.content_type = "application/merge-patch+json"; break;
    case PatchType::kStrategicMerge: req.content_type = "application/strategic-merge-patch+json"; break;
    case PatchType::kJsonPatch: req.content_type = "application/json-patch+json"; break;
  }
  return ObjectFrom(rest_->Do(req));
}

Result<Object> Client::Apply(const Resource& res, const nlohmann::json& object, const ApplyOptions& options) {
  if (options.field_manager.empty()) return Status(Code::kInvalidArgument, "server-side apply needs a field manager");
  auto where = NamespaceAndName(res, object);
  if (!where.ok()) return where.status();
  Request req;
  req.method = "PATCH";
  req.path = Sub(res.ObjectPath(where->first, where->second), options.subresource);
  AddParam(&req.path, "fieldManager", options.field_manager);
  if (options.force) AddParam(&req.path, "force", "true");
  req.content_type = "application/apply-patch+yaml";
  req.body = object.dump();  // JSON is YAML
  return ObjectFrom(rest_->Do(req));
}

Status Client::Delete(const Resource& res, const std::string& ns, const std::string& name,
                      const DeleteOptions& options) {
  nlohmann::json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  Request req;
  req.method = "DELETE";
  req.path = res.ObjectPath(ns, name);
  req.body = body.dump();
  auto resp = rest_->Do(req);
  return resp.ok() ? Status::Ok() : resp.status();
}

Status Client::Watch(const Resource& res, const std::string& ns, const WatchOptions& options, std::stop_token stop,
                     const std::function<bool(WatchEvent&&)>& on_event, const FieldMask* mask) {
  Request req;
  req.path = res.CollectionPath(ns) + "?watch=1";
  AddParam(&req.path, "labelSelector", options.label_selector);
  AddParam(&req.path, "fieldSelector", options.field_selector);
  AddParam(&req.path, "resourceVersion", options.resource_version);
  if (options.allow_bookmarks) AddParam(&req.path, "allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) AddParam(&req.path, "timeoutSeconds", std::to_string(options.timeout_seconds));
  JsonStream stream;
  Status s = rest_->Stream(req, stop, options.idle_timeout, [&](std::string_view chunk) {
    return stream.Feed(chunk, [&](std::string_view doc) {
      auto ev = DecodeWatchEvent(doc, mask);
      if (!ev.ok()) {
        // One event the decoder cannot take must not stop the watch (resuming would meet it again).
        log::Warn("watch event skipped", {{"resource", res.plural}, {"error", ev.status().message()},
                                          {"bytes", std::to_string(doc.size())}});
        return true;
      }
      return on_event(std::move(ev).value());
    });
  });
  return s;
}

}  // namespace kube
