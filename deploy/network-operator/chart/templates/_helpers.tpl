{{- define "network-operator.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
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
{{- .Values.operandNamespace | default .Release.Namespace -}}
{{- end -}}

{{- define "network-operator.image" -}}
{{- .Values.image.repository }}/{{ .Values.image.name }}:{{ .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}
