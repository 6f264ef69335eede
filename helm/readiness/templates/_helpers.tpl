{{/* The chart name, or nameOverride. */}}
{{- define "readiness.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name: the release name alone when it already contains the
chart name. Truncated to 63 characters (DNS label).
*/}}
{{- define "readiness.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "readiness.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "readiness.labels" -}}
helm.sh/chart: {{ include "readiness.chart" . }}
{{ include "readiness.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: readiness
{{- end }}

{{/*
Labels shared by the API pods and the hook Job's pod: the NetworkPolicy selects
both with them. Services, the PDB and the HPA select the API pods only, with
readiness.apiSelectorLabels.
*/}}
{{- define "readiness.selectorLabels" -}}
app.kubernetes.io/name: {{ include "readiness.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "readiness.apiSelectorLabels" -}}
{{ include "readiness.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "readiness.apiLabels" -}}
{{ include "readiness.labels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "readiness.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "readiness.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "readiness.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The non-secret settings as environment variables (name: value, all strings).
The ConfigMap holds them for the API pods; the hook Job, which runs before the
ConfigMap exists on a first install, gets the same pairs inline.
*/}}
{{- define "readiness.configEnv" -}}
{{- $c := .Values.config -}}
ENVIRONMENT: {{ $c.environment | quote }}
LOG_LEVEL: {{ $c.logLevel | quote }}
WEB_CONCURRENCY: {{ $c.webConcurrency | int64 | toString | quote }}
MONGODB_DB: {{ $c.mongodb.database | quote }}
MONGODB_TIMEOUT_MS: {{ $c.mongodb.timeoutMs | int64 | toString | quote }}
{{- with $c.oidc.issuer }}
OIDC_ISSUER: {{ . | quote }}
{{- end }}
{{- with $c.oidc.audience }}
OIDC_AUDIENCE: {{ . | quote }}
{{- end }}
{{- with $c.oidc.jwksUrl }}
OIDC_JWKS_URL: {{ . | quote }}
{{- end }}
PLATFORM_ADMINS: {{ join "," $c.platformAdmins | quote }}
{{- with $c.openai.baseUrl }}
OPENAI_BASE_URL: {{ . | quote }}
{{- end }}
{{- with $c.openai.model }}
OPENAI_MODEL: {{ . | quote }}
{{- end }}
DRAFT_DAILY_TOKEN_BUDGET: {{ $c.draftDailyTokenBudget | int64 | toString | quote }}
DRAFT_DAILY_TOKEN_BUDGET_PER_PRINCIPAL: {{ $c.draftDailyTokenBudgetPerPrincipal | int64 | toString | quote }}
DRAFT_MAX_COMPLETION_TOKENS: {{ $c.draftMaxCompletionTokens | int64 | toString | quote }}
RATE_LIMIT_PER_SECOND: {{ $c.rateLimit.perSecond | toString | quote }}
RATE_LIMIT_BURST: {{ $c.rateLimit.burst | int64 | toString | quote }}
{{- end }}

{{/* Secrets: only references to existingSecret, never values. */}}
{{- define "readiness.secretEnv" -}}
- name: MONGODB_URI
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret | quote }}
      key: {{ .Values.secretKeys.mongodbUri | quote }}
      optional: false
- name: OPENAI_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret | quote }}
      key: {{ .Values.secretKeys.openaiApiKey | quote }}
      optional: true
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The restricted Pod Security Standard, shared by the API pods and the hook Job. */}}
{{- define "readiness.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "readiness.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "readiness.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
    {{- with .Values.tmpVolume.medium }}
    medium: {{ . }}
    {{- end }}
{{- end }}

{{/* A NetworkPolicy egress rule: the given CIDRs (or any address) on the given TCP ports. */}}
{{- define "readiness.egressRule" -}}
- ports:
    {{- range .ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
  {{- with .cidrs }}
  to:
    {{- range . }}
    - ipBlock:
        cidr: {{ . | quote }}
    {{- end }}
  {{- end }}
{{- end }}
