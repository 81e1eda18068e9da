#include "network_reconciler.h"

#include <cstdio>

#include "apply_state.h"
#include "cni_config.h"
#include "kube/log.h"
#include "network_labels.h"
#include "state_definition.h"

namespace network {
NetworkReconciler::NetworkReconciler(kube::Client& client, kube::EventRecorder& recorder, NetworkKind kind,
                                     kube::Informer& networks, kube::Informer& attachments)
    : client_(client),
      recorder_(recorder),
      status_(client, recorder, kFieldManager),
      kind_(std::move(kind)),
      networks_(networks),
      attachments_(attachments),
      objects_(client, kinds_, {kFieldManager, kStateLabel, "network-operator", kRevisionAnnotation}) {
  kinds_.Add(NetworkAttachmentDefinitions(), &attachments_);
}

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

void NetworkReconciler::ReportMovedAttachments(const kube::Object& network, const std::string& keep_namespace) {
  for (const auto& nad : attachments_.store().ByIndex(kube::Store::kOwnerIndex, network.meta().uid)) {
    if (nad->namespace_() == keep_namespace || nad->meta().deleting) continue;
    recorder_.Normal(kube::ObjectReference::To(network, kind_.resource.ApiVersion(), kind_.resource.kind),
                     "NamespaceChanged", "removing NetworkAttachmentDefinition from namespace " + nad->namespace_());
  }
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
  // One state: the NAD, in the namespace the spec names; one left in another namespace is stale.
  const operators::StateBase state{kind_.state_name, "network-operator/networks", {"NetworkAttachmentDefinition"}};
  auto rendered = operators::RenderStateTemplates(state, context);
  if (!rendered.ok()) {
    // Said in the status too, not only in the log; retried with backoff.
    (void)UpdateStatus(*network, "error", rendered.status().message(), "");
    return rendered.status();
  }
  if (rendered->size() != 1) return kube::Status(kube::Code::kInternal, "the NAD template must render one object");
  ReportMovedAttachments(*network, spec->namespace_);
  const operators::Owner owner{kind_.resource.ApiVersion(), kind_.resource.kind, network->name(), network->meta().uid};
  const operators::StateProgress progress = operators::ApplyState(
      objects_, owner, spec->namespace_, {kind_.state_name, std::move(rendered).value(), {}, {}});
  if (!progress.error.ok()) {
    const kube::Code code = progress.error.code();
    if (code == kube::Code::kInvalid || code == kube::Code::kNotFound) {
      // The server refused it (or the namespace does not exist): say so, retry with backoff.
      (void)UpdateStatus(*network, "notReady", progress.error.message(), "");
    }
    return progress.error;
  }
  if (!kind_.namespace_annotation.empty() &&
      network->Tree()["metadata"].value("annotations", nlohmann::json::object()).value(kind_.namespace_annotation, "") !=
          spec->namespace_) {
    const nlohmann::json patch = {{"metadata", {{"annotations", {{kind_.namespace_annotation, spec->namespace_}}}}}};
    auto patched = client_.Patch(kind_.resource, "", network->name(), kube::PatchType::kMerge, patch.dump());
    if (!patched.ok()) return patched.status().WithContext("recording the namespace of " + network->name());
  }
  if (!progress.ready) {
    // The NAD left in the old namespace is going; its deletion brings the network back here.
    KUBE_RETURN_IF_ERROR(UpdateStatus(*network, "notReady", progress.message, ""));
    return kube::ReconcileResult{};
  }
  const std::string link = "k8s.cni.cncf.io/v1/namespaces/" + spec->namespace_ + "/NetworkAttachmentDefinition/" +
                           spec->name;
  KUBE_RETURN_IF_ERROR(UpdateStatus(*network, "ready", "", link));
  return kube::ReconcileResult{};
}

}  // namespace network
