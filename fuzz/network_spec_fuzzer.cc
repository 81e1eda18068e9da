// A MacvlanNetwork, HostDeviceNetwork or IPoIBNetwork spec, through to the
// NetworkAttachmentDefinition it becomes.
#include <nlohmann/json.hpp>

#include "cni_config.h"
#include "fuzz_input.h"
#include "kube/json_limits.h"
#include "manifests/renderer.h"
#include "network_kind.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto spec = kube::ParseJson(fuzz::Text(data + 1, size - 1));
  if (!spec.ok()) return 0;
  const network::NetworkKind kinds[] = {network::MacvlanNetworkKind(), network::HostDeviceNetworkKind(),
                                        network::IPoIBNetworkKind()};
  const network::NetworkKind& kind = kinds[data[0] % 3];
  const nlohmann::json object = {{"metadata", {{"name", "n"}, {"uid", "u"}}}, {"spec", *spec}};
  auto attachment = network::RenderAttachment(kind, object);
  fuzz::ExpectExplained(attachment);
  if (!attachment.ok()) return 0;
  const nlohmann::json context = {
      {"name", attachment->name}, {"namespace", attachment->namespace_}, {"state", kind.state_name},
      {"resourceName", attachment->resource_name.empty() ? nlohmann::json(false) : nlohmann::json(attachment->resource_name)},
      {"configJsonString", nlohmann::json(attachment->config).dump()}};
  auto nad = manifests::RenderDirectory(manifests::ManifestRoot() + "/network-operator/networks", context);
  if (!nad.ok() || nad->size() != 1 || (*nad)[0]["spec"]["config"] != attachment->config) std::abort();
  return 0;
}
