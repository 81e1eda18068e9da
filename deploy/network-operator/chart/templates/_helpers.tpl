{{- define "network-operator.name" -}}
{{- .Values.operator.fullnameOverride | default (.Values.operator.nameOverride | default .Release.Name) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "network-operator.labels" -}}
app.kubernetes.io/name: network-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "network-operator.selectorLabels" -}}
app.kubernetes.io/name: network-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "network-operator.operandNamespace" -}}
{{- .Values.operator.operandNamespace | default .Release.Namespace -}}
{{- end -}}

{{/* The operator's image, its registry replaced by global.imageRegistry when set. Upstream's own
     operator image (an upstream values file names it) cannot run with this chart's flags, so it
     stands for this chart's operator image: accelops/network-operator at the chart's appVersion. */}}
{{- define "network-operator.image" -}}
{{- $op := .Values.operator -}}
{{- if eq (include "network-operator.upstreamImage" .) "true" -}}
{{- if $op.tag -}}
{{- fail (printf "operator.tag: %s is a tag of upstream's operator image, which this chart replaces with its own (accelops/network-operator:%s); set operator.repository and operator.image to this project's image to choose its tag" (toJson $op.tag) .Chart.AppVersion) -}}
{{- end -}}
{{- include "network-operator.mirrored" (list . (printf "accelops/network-operator:%s" .Chart.AppVersion)) -}}
{{- else -}}
{{- include "network-operator.mirrored" (list . (printf "%s/%s:%s" $op.repository $op.image ($op.tag | default .Chart.AppVersion))) -}}
{{- end -}}
{{- end -}}

{{/* "true" when operator.repository and operator.image name upstream's operator image. */}}
{{- define "network-operator.upstreamImage" -}}
{{- and (has .Values.operator.repository (list "nvcr.io/nvidia/mellanox" "nvcr.io/nvstaging/mellanox")) (eq .Values.operator.image "network-operator") -}}
{{- end -}}

{{/* An image reference with its registry replaced by global.imageRegistry (when set), as the operator
     does for the operands: the first path component is the registry when it holds a dot or a colon
     or is localhost. Arguments: list root reference. */}}
{{- define "network-operator.mirrored" -}}
{{- $registry := (index . 0).Values.global.imageRegistry -}}{{- $ref := index . 1 -}}
{{- if $registry -}}
{{- printf "%s/%s" (trimSuffix "/" $registry) (regexReplaceAll "^([^/]*[.:][^/]*|localhost)/" $ref "") -}}
{{- else -}}
{{- $ref -}}
{{- end -}}
{{- end -}}

{{/* imagePullSecrets for a pod spec: the entries of .Values.imagePullSecrets, then those of the
     component's own list (operator.imagePullSecrets, node-feature-discovery.imagePullSecrets), each a
     secret name or, as upstream's chart takes them too, {name: ...}. Arguments: list root own-list. */}}
{{- define "network-operator.pullSecrets" -}}
{{- $all := concat ((index . 0).Values.imagePullSecrets | default list) ((index . 1) | default list) -}}
{{- with $all }}
imagePullSecrets:
{{- range . }}
{{- if kindIs "map" . }}
- name: {{ .name }}
{{- else }}
- name: {{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
