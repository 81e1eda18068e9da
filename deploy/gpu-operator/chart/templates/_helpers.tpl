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
