// Manifest rendering: templates kept as data files become Kubernetes objects.
//
// A template is mustache text (logic-less: every decision is made in the
// typed render context, which is plain JSON). Rendered text is YAML with any
// number of documents; each non-empty document becomes one JSON object, typed
// as Kubernetes types YAML (quoted scalars stay strings; plain true/false/yes/
// no, null, integers and floats become JSON values). Values are inserted
// unescaped; put structured values in as JSON flow text, which is YAML too.
#ifndef MANIFESTS_RENDERER_H_
#define MANIFESTS_RENDERER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/status.h"

namespace manifests {

// Renders mustache `text` with `context`.
kube::Result<std::string> RenderTemplate(const std::string& text, const nlohmann::json& context);

// Parses YAML text (several documents allowed) into objects; empty documents are skipped.
kube::Result<std::vector<nlohmann::json>> YamlToObjects(const std::string& yaml);

// Parses YAML text of exactly one document, of any shape (a configuration file), into JSON.
kube::Result<nlohmann::json> YamlToJson(const std::string& yaml);

// Renders every *.yaml, *.yml and *.json file under `dir`, in lexical order of path.
kube::Result<std::vector<nlohmann::json>> RenderDirectory(const std::string& dir, const nlohmann::json& context);

// Where manifest templates live: $MANIFESTS_DIR, else the build's source tree.
std::string ManifestRoot();

}  // namespace manifests

#endif  // MANIFESTS_RENDERER_H_
