#include "network_reconciler.h"

#include <cstdio>

#include "cni_config.h"
#include "kube/log.h"
#include "manifests/renderer.h"
#include "revision.h"

namespace network {
NetworkReconciler::NetworkReconciler(kube::Client& client, kube::EventRecorder& recorder, NetworkKind kind,
                                     kube::Informer& networks, kube::Informer& attachments)
    : client_(client),
      recorder_(recorder),
      status_(client, recorder, kFieldManager),
      kind_(std::move(kind)),
      networks_(networks),
      attachments_(attachments) {}

kube::Status NetworkReconciler::UpdateStatus(const kube::Object& network, const std::string& state,
                                             const std::string& reason, const std::string& link) {
  nlohmann::json status = {{"state", state}};
  if (!reason.empty()) status["reason"] = reason;
  if (!link.empty()) status[kind_.status_link] = link;
  if (kind_.applied_states) status["appliedStates"] = {{{"name", kind_.state_name}, {"state", state}}};
  // An Event when the state changes to error or ready.
  auto rule = [&](const nlohmann::json& previous, const nlohmann::json&) -> std::optional<kube::StatusEvent> {
    if ((previous.is_object() ? previous.value("state", "") : "") == state) return std::nullopt;
    if (state == "error") return kube::StatusEvent{state, true, "InvalidSpec", reason};
    if (state == "ready") {
      return kube::StatusEvent{state, false, "Ready", "NetworkAttachmentDefinition " + link + " is in place"};
    }
    return std::nullopt;
  };
  return status_.Write(kind_.resource, network, status, rule).status();
}

kube::Status NetworkReconciler::DeleteMovedAttachments(const kube::Object& network, const std::string& keep_namespace) {
  for (const auto& nad : attachments_.store().ByIndex(kube::Store::kOwnerIndex, network.meta().uid)) {
    if (nad->namespace_() == keep_namespace) continue;
    kube::DeleteOptions opts;
    opts.precondition_uid = nad->meta().uid;
    kube::Status s = client_.Delete(NetworkAttachmentDefinitions(), nad->namespace_(), nad->name(), opts);
    if (!s.ok() && !kube::IsNotFound(s)) return s.WithContext("deleting moved NetworkAttachmentDefinition");
    kube::log::Info("deleted NetworkAttachmentDefinition left behind by a namespace move",
                    {{"network", network.name()}, {"namespace", nad->namespace_()}});
    recorder_.Normal(kube::ObjectReference::To(network, kind_.resource.ApiVersion(), kind_.resource.kind),
                     "NamespaceChanged", "removed NetworkAttachmentDefinition from namespace " + nad->namespace_());
  }
  return kube::Status::Ok();
}

kube::Result<kube::ReconcileResult> NetworkReconciler::Reconcile(const kube::ReconcileRequest& request,
                                                                 std::stop_token) {
  kube::ObjectPtr network = networks_.store().Get(request.name);
  if (!network || network->meta().deleting) return kube::ReconcileResult{};  // NADs go with their owner
  if (kube::Status deep = network->CheckNesting(); !deep.ok()) {
    // Refused before it is walked as a tree; what runs keeps running.
    kube::log::Warn("invalid network", {{"kind", kind_.resource.kind}, {"name", network->name()},
                                        {"error", deep.message()}});
    KUBE_RETURN_IF_ERROR(UpdateStatus(*network, "error", deep.message(), ""));
    return kube::ReconcileResult{};
  }
  const nlohmann::json tree = network->Tree();

  auto spec = RenderAttachment(kind_, tree);
  if (!spec.ok()) {
    kube::log::Warn("invalid network", {{"kind", kind_.resource.kind}, {"name", network->name()},
                                        {"error", spec.status().message()}});
    KUBE_RETURN_IF_ERROR(UpdateStatus(*network, "error", spec.status().message(), ""));
    return kube::ReconcileResult{};  // nothing to retry until the spec changes
  }

  nlohmann::json context = {{"name", spec->name},
                            {"namespace", spec->namespace_},
                            {"state", kind_.state_name},
                            {"resourceName", spec->resource_name.empty() ? nlohmann::json(false)
                                                                         : nlohmann::json(spec->resource_name)},
                            {"configJsonString", nlohmann::json(spec->config).dump()}};
  auto rendered = manifests::RenderDirectory(manifests::ManifestRoot() + "/network-operator/networks", context);
  if (!rendered.ok()) {
    // Said in the status too, not only in the log; retried with backoff.
    (void)UpdateStatus(*network, "error", rendered.status().message(), "");
    return rendered.status();
  }
  if (rendered->size() != 1) return kube::Status(kube::Code::kInternal, "the NAD template must render one object");
  nlohmann::json nad = std::move(rendered->front());
  nad["metadata"]["ownerReferences"] = nlohmann::json::array({{{"apiVersion", kind_.resource.ApiVersion()},
                                                               {"kind", kind_.resource.kind},
                                                               {"name", network->name()},
                                                               {"uid", network->meta().uid},
                                                               {"controller", true},
                                                               {"blockOwnerDeletion", true}}});
  const std::string revision = Revision(nad);
  nad["metadata"]["annotations"][kRevisionAnnotation] = revision;

  KUBE_RETURN_IF_ERROR(DeleteMovedAttachments(*network, spec->namespace_));

  kube::ObjectPtr live = attachments_.store().Get(kube::ObjectKey(spec->namespace_, spec->name));
  const bool up_to_date = live && live->meta().ControllerOwner() != nullptr &&
                          live->meta().ControllerOwner()->uid == network->meta().uid &&
                          live->Tree()["metadata"].value("annotations", nlohmann::json::object())
                                  .value(kRevisionAnnotation, "") == revision;
  if (!up_to_date) {
    auto applied = client_.Apply(NetworkAttachmentDefinitions(), nad, {kFieldManager, true, ""});
    if (!applied.ok()) {
      if (applied.status().code() == kube::Code::kInvalid || applied.status().code() == kube::Code::kNotFound) {
        // The server refused it (or the namespace does not exist): say so, retry with backoff.
        (void)UpdateStatus(*network, "notReady", applied.status().message(), "");
      }
      return applied.status().WithContext("applying NetworkAttachmentDefinition");
    }
    kube::log::Info("applied NetworkAttachmentDefinition",
                    {{"network", network->name()}, {"namespace", spec->namespace_}, {"revision", revision}});
  }
  if (!kind_.namespace_annotation.empty() &&
      network->Tree()["metadata"].value("annotations", nlohmann::json::object()).value(kind_.namespace_annotation, "") !=
          spec->namespace_) {
    const nlohmann::json patch = {{"metadata", {{"annotations", {{kind_.namespace_annotation, spec->namespace_}}}}}};
    auto patched = client_.Patch(kind_.resource, "", network->name(), kube::PatchType::kMerge, patch.dump());
    if (!patched.ok()) return patched.status().WithContext("recording the namespace of " + network->name());
  }
  const std::string link = "k8s.cni.cncf.io/v1/namespaces/" + spec->namespace_ + "/NetworkAttachmentDefinition/" +
                           spec->name;
  KUBE_RETURN_IF_ERROR(UpdateStatus(*network, "ready", "", link));
  return kube::ReconcileResult{};
}

}  // namespace network
