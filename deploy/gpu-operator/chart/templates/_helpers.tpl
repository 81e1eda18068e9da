{{/* The values: this chart's, with a top-level `gpu-operator:` block (a parent chart's) merged over them. */}}
{{- define "gpu-operator.values" -}}
{{- $v := deepCopy .Values -}}
{{- with (index .Values "gpu-operator") -}}
{{- $v = mergeOverwrite $v (deepCopy .) -}}
{{- end -}}
{{- toYaml $v -}}
{{- end -}}

{{- define "gpu-operator.name" -}}gpu-operator{{- end -}}

{{- define "gpu-operator.labels" -}}
app.kubernetes.io/name: gpu-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* An image reference with its registry replaced by global.imageRegistry (when set), as the operator does for operands.
     Arguments: list registry repository image version. */}}
{{- define "gpu-operator.image" -}}
{{- $registry := index . 0 -}}{{- $repo := index . 1 -}}{{- $image := index . 2 -}}{{- $version := index . 3 -}}
{{- $ref := printf "%s/%s%s%s" $repo $image (ternary "@" ":" (hasPrefix "sha256:" $version)) $version -}}
{{- if $registry -}}
{{- $path := regexReplaceAll "^([^/]*[.:][^/]*|localhost)/" $ref "" -}}
{{- printf "%s/%s" (trimSuffix "/" $registry) $path -}}
{{- else -}}
{{- $ref -}}
{{- end -}}
{{- end -}}

{{/* The upstream GPU Operator release whose operand images (validator, node status exporter) the defaults match. */}}
{{- define "gpu-operator.upstreamVersion" -}}v26.7.0{{- end -}}

{{/* The operator's image (argument: the merged values and the root). Upstream's own operator image
     (an upstream values file names it) cannot run with this chart's flags, so it stands for this
     chart's: accelops/gpu-operator at the chart's appVersion. global.imageRegistry mirrors either. */}}
{{- define "gpu-operator.operatorImage" -}}
{{- $v := index . 0 -}}{{- $root := index . 1 -}}{{- $op := $v.operator -}}
{{- if eq (include "gpu-operator.upstreamImage" $v) "true" -}}
{{- if $op.version -}}
{{- fail (printf "operator.version: %s is a version of upstream's operator image, which this chart replaces with its own (accelops/gpu-operator:%s); set operator.repository and operator.image to this project's image to choose its version" (toJson $op.version) $root.Chart.AppVersion) -}}
{{- end -}}
{{- include "gpu-operator.image" (list $v.global.imageRegistry "accelops" "gpu-operator" $root.Chart.AppVersion) -}}
{{- else -}}
{{- include "gpu-operator.image" (list $v.global.imageRegistry $op.repository $op.image ($op.version | default $root.Chart.AppVersion)) -}}
{{- end -}}
{{- end -}}

{{/* "true" when operator.repository and operator.image name upstream's operator image. */}}
{{- define "gpu-operator.upstreamImage" -}}
{{- and (has .operator.repository (list "nvcr.io/nvidia" "nvcr.io/nvstaging/cloud-native")) (eq .operator.image "gpu-operator") -}}
{{- end -}}
