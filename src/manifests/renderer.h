// Manifest rendering: templates kept as data files become Kubernetes objects.
//
// A template is mustache text (logic-less: every decision is made in the
// typed render context, which is plain JSON). Rendered text is YAML with any
// number of documents; each non-empty document becomes one JSON object, typed
// as Kubernetes types YAML (see kube/yaml.h).
//
// Values cannot change a manifest's shape. A string from the context put in
// with {{name}} reaches the object exactly as it is, as a string, wherever it
// stands (a whole scalar, part of one, a quoted scalar or a key): while the
// template renders it is stood in for by a token that the YAML parser reads as
// plain text, and the value is put back into the parsed tree. So a name such
// as `123`, `yes` or `null` stays a string, and a value holding newlines,
// quotes or `key: value` text adds no field. Numbers and booleans are put in as
// themselves. {{{name}}} (triple braces) inserts the text as written, for
// structured values that code serialized as JSON (flow YAML). Stateless;
// safe from any thread.
#ifndef MANIFESTS_RENDERER_H_
#define MANIFESTS_RENDERER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace manifests {

// Renders one template into its objects (documents without a kind are skipped).
[[nodiscard]] kube::Result<std::vector<nlohmann::json>> RenderManifest(const std::string& text,
                                                                       const nlohmann::json& context);

// Renders mustache `text` with `context` into text, every value as written (for text that is not YAML).
[[nodiscard]] kube::Result<std::string> RenderTemplate(const std::string& text, const nlohmann::json& context);

// Parses YAML text (several documents allowed) into objects; empty documents are skipped.
[[nodiscard]] kube::Result<std::vector<nlohmann::json>> YamlToObjects(const std::string& yaml);

// Parses YAML text of exactly one document, of any shape (a configuration file), into JSON.
[[nodiscard]] kube::Result<nlohmann::json> YamlToJson(const std::string& yaml);

// Renders every *.yaml, *.yml and *.json file under `dir`, in lexical order of path.
[[nodiscard]] kube::Result<std::vector<nlohmann::json>> RenderDirectory(const std::string& dir,
                                                                        const nlohmann::json& context);

// Where manifest templates live: $MANIFESTS_DIR, else the build's source tree.
std::string ManifestRoot();

}  // namespace manifests

#endif  // MANIFESTS_RENDERER_H_
