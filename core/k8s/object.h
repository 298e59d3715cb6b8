// The Kubernetes object model kci-vk works with: typed C++ for the fields the product and
// the stand-ins read or write, and nothing lost of the rest.
//
// Field names are the JSON names (camelCase) so code reads like the API reference; `namespace_`
// and `operator_` are the only renames (C++ keywords). Every struct keeps `extra`: the keys we do
// not model and the spelling of present-but-empty ones, so decode -> modify -> encode changes
// only what the caller changed. Decoding and encoding live in core/k8s/codec.{h,cpp} and
// core/k8s/model.cpp; this header only declares the types and the entry points.
// Must not: validate beyond types (that is the API server's and the translator's job).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/k8s/quantity.h"
#include "core/result.h"

namespace kci::k8s {

using Json = nlohmann::json;
using StringMap = std::map<std::string, std::string>;
//! A resource list such as requests or allocatable: name -> quantity.
using ResourceList = std::map<std::string, Quantity>;

//! metav1.Time / MicroTime: an instant, printed in RFC 3339 UTC (seconds, or microseconds
//! for MicroTime fields).
struct Time {
  TimePoint at{};
  //! Print with microseconds (MicroTime: Lease renewTime, Event eventTime).
  bool micro = false;

  //! Parses RFC 3339 ("2024-01-01T00:00:00Z", fractions, "+08:00" offsets).
  static Result<Time> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const Time& o) const { return at == o.at; }
};

//! intstr.IntOrString: a port "8080" / "http", a surge "25%".
struct IntOrString {
  bool is_int = true;
  std::int64_t int_value = 0;
  std::string str_value;
  bool operator==(const IntOrString&) const = default;
};

// ---- meta/v1 --------------------------------------------------------------------------

struct OwnerReference {
  std::string apiVersion, kind, name, uid;
  std::optional<bool> controller, blockOwnerDeletion;
  Json extra;
  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  std::string name, generateName, namespace_, uid, resourceVersion;
  std::int64_t generation = 0;
  std::optional<Time> creationTimestamp, deletionTimestamp;
  std::optional<std::int64_t> deletionGracePeriodSeconds;
  StringMap labels, annotations;
  std::vector<OwnerReference> ownerReferences;
  std::vector<std::string> finalizers;
  Json extra;  //!< managedFields and anything newer
  bool operator==(const ObjectMeta&) const = default;
};

struct LabelSelectorRequirement {
  std::string key, operator_;
  std::vector<std::string> values;
  Json extra;
  bool operator==(const LabelSelectorRequirement&) const = default;
};

struct LabelSelector {
  StringMap matchLabels;
  std::vector<LabelSelectorRequirement> matchExpressions;
  Json extra;
  bool operator==(const LabelSelector&) const = default;
};

// ---- core/v1: scheduling ----------------------------------------------------------------

struct Taint {
  std::string key, value, effect;
  std::optional<Time> timeAdded;
  Json extra;
  bool operator==(const Taint&) const = default;
};

struct Toleration {
  std::string key, operator_, value, effect;
  std::optional<std::int64_t> tolerationSeconds;
  Json extra;
  bool operator==(const Toleration&) const = default;
};

struct NodeSelectorRequirement {
  std::string key, operator_;
  std::vector<std::string> values;
  Json extra;
  bool operator==(const NodeSelectorRequirement&) const = default;
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> matchExpressions, matchFields;
  Json extra;
  bool operator==(const NodeSelectorTerm&) const = default;
};

struct NodeSelector {
  std::vector<NodeSelectorTerm> nodeSelectorTerms;
  Json extra;
  bool operator==(const NodeSelector&) const = default;
};

struct PreferredSchedulingTerm {
  std::int32_t weight = 0;
  NodeSelectorTerm preference;
  Json extra;
  bool operator==(const PreferredSchedulingTerm&) const = default;
};

struct NodeAffinity {
  std::optional<NodeSelector> requiredDuringSchedulingIgnoredDuringExecution;
  std::vector<PreferredSchedulingTerm> preferredDuringSchedulingIgnoredDuringExecution;
  Json extra;
  bool operator==(const NodeAffinity&) const = default;
};

struct Affinity {
  std::optional<NodeAffinity> nodeAffinity;
  Json podAffinity, podAntiAffinity;
  Json extra;
  bool operator==(const Affinity&) const = default;
};

// ---- core/v1: containers ----------------------------------------------------------------

struct ContainerPort {
  std::string name;
  std::int32_t containerPort = 0;
  std::optional<std::int32_t> hostPort;
  std::string protocol, hostIP;
  Json extra;
  bool operator==(const ContainerPort&) const = default;
};

struct ObjectFieldSelector {
  std::string apiVersion, fieldPath;
  Json extra;
  bool operator==(const ObjectFieldSelector&) const = default;
};

struct ResourceFieldSelector {
  std::string containerName, resource;
  std::optional<Quantity> divisor;
  Json extra;
  bool operator==(const ResourceFieldSelector&) const = default;
};

//! configMapKeyRef / secretKeyRef.
struct KeySelector {
  std::string name, key;
  std::optional<bool> optional;
  Json extra;
  bool operator==(const KeySelector&) const = default;
};

struct EnvVarSource {
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<KeySelector> configMapKeyRef, secretKeyRef;
  Json extra;
  bool operator==(const EnvVarSource&) const = default;
};

struct EnvVar {
  std::string name, value;
  std::optional<EnvVarSource> valueFrom;
  Json extra;
  bool operator==(const EnvVar&) const = default;
};

//! configMapRef / secretRef of envFrom.
struct NameOptionalRef {
  std::string name;
  std::optional<bool> optional;
  Json extra;
  bool operator==(const NameOptionalRef&) const = default;
};

struct EnvFromSource {
  std::string prefix;
  std::optional<NameOptionalRef> configMapRef, secretRef;
  Json extra;
  bool operator==(const EnvFromSource&) const = default;
};

struct ResourceRequirements {
  ResourceList limits, requests;
  Json extra;
  bool operator==(const ResourceRequirements&) const = default;
};

struct VolumeMount {
  std::string name, mountPath, subPath, mountPropagation;
  bool readOnly = false;
  Json extra;
  bool operator==(const VolumeMount&) const = default;
};

struct ExecAction {
  std::vector<std::string> command;
  Json extra;
  bool operator==(const ExecAction&) const = default;
};

struct HTTPGetAction {
  std::string path, host, scheme;
  std::optional<IntOrString> port;
  Json httpHeaders;
  Json extra;
  bool operator==(const HTTPGetAction&) const = default;
};

struct TCPSocketAction {
  std::optional<IntOrString> port;
  std::string host;
  Json extra;
  bool operator==(const TCPSocketAction&) const = default;
};

struct Probe {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  Json grpc;
  std::int32_t initialDelaySeconds = 0, timeoutSeconds = 0, periodSeconds = 0,
               successThreshold = 0, failureThreshold = 0;
  std::optional<std::int64_t> terminationGracePeriodSeconds;
  Json extra;
  bool operator==(const Probe&) const = default;
};

struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> httpGet;
  std::optional<TCPSocketAction> tcpSocket;
  Json sleep;
  Json extra;
  bool operator==(const LifecycleHandler&) const = default;
};

struct Lifecycle {
  std::optional<LifecycleHandler> postStart, preStop;
  Json extra;
  bool operator==(const Lifecycle&) const = default;
};

struct SecurityContext {
  std::optional<bool> privileged, runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation;
  std::optional<std::int64_t> runAsUser, runAsGroup;
  Json capabilities;
  Json extra;
  bool operator==(const SecurityContext&) const = default;
};

struct Container {
  std::string name, image, imagePullPolicy, workingDir;
  std::vector<std::string> command, args;
  std::vector<ContainerPort> ports;
  std::vector<EnvFromSource> envFrom;
  std::vector<EnvVar> env;
  ResourceRequirements resources;
  std::vector<VolumeMount> volumeMounts;
  std::optional<Probe> livenessProbe, readinessProbe, startupProbe;
  std::optional<Lifecycle> lifecycle;
  std::string terminationMessagePath, terminationMessagePolicy;
  std::optional<SecurityContext> securityContext;
  //! "Always" on an init container makes it a sidecar (Kubernetes 1.29+).
  std::string restartPolicy;
  bool stdin = false, tty = false;
  Json extra;
  bool operator==(const Container&) const = default;
};

// ---- core/v1: volumes -------------------------------------------------------------------

struct KeyToPath {
  std::string key, path;
  std::optional<std::int32_t> mode;
  Json extra;
  bool operator==(const KeyToPath&) const = default;
};

struct HostPathVolumeSource {
  std::string path, type;
  Json extra;
  bool operator==(const HostPathVolumeSource&) const = default;
};

struct EmptyDirVolumeSource {
  std::string medium;
  std::optional<Quantity> sizeLimit;
  Json extra;
  bool operator==(const EmptyDirVolumeSource&) const = default;
};

struct SecretVolumeSource {
  std::string secretName;
  std::vector<KeyToPath> items;
  std::optional<std::int32_t> defaultMode;
  std::optional<bool> optional;
  Json extra;
  bool operator==(const SecretVolumeSource&) const = default;
};

struct ConfigMapVolumeSource {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<std::int32_t> defaultMode;
  std::optional<bool> optional;
  Json extra;
  bool operator==(const ConfigMapVolumeSource&) const = default;
};

struct NFSVolumeSource {
  std::string server, path;
  bool readOnly = false;
  Json extra;
  bool operator==(const NFSVolumeSource&) const = default;
};

struct PersistentVolumeClaimVolumeSource {
  std::string claimName;
  bool readOnly = false;
  Json extra;
  bool operator==(const PersistentVolumeClaimVolumeSource&) const = default;
};

struct Volume {
  std::string name;
  std::optional<HostPathVolumeSource> hostPath;
  std::optional<EmptyDirVolumeSource> emptyDir;
  std::optional<SecretVolumeSource> secret;
  std::optional<ConfigMapVolumeSource> configMap;
  std::optional<NFSVolumeSource> nfs;
  std::optional<PersistentVolumeClaimVolumeSource> persistentVolumeClaim;
  Json projected, downwardAPI, csi;
  Json extra;  //!< every other volume source
  bool operator==(const Volume&) const = default;
};

// ---- core/v1: Pod -----------------------------------------------------------------------

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
  Json extra;
  bool operator==(const PodDNSConfigOption&) const = default;
};

struct PodDNSConfig {
  std::vector<std::string> nameservers, searches;
  std::vector<PodDNSConfigOption> options;
  Json extra;
  bool operator==(const PodDNSConfig&) const = default;
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
  Json extra;
  bool operator==(const HostAlias&) const = default;
};

struct LocalObjectReference {
  std::string name;
  Json extra;
  bool operator==(const LocalObjectReference&) const = default;
};

struct PodSpec {
  std::vector<Container> initContainers, containers;
  std::vector<Volume> volumes;
  std::string restartPolicy, dnsPolicy, serviceAccountName, nodeName, hostname, subdomain,
      schedulerName, priorityClassName, runtimeClassName;
  std::optional<std::int64_t> terminationGracePeriodSeconds, activeDeadlineSeconds;
  std::optional<PodDNSConfig> dnsConfig;
  StringMap nodeSelector;
  std::optional<bool> automountServiceAccountToken, enableServiceLinks;
  bool hostNetwork = false, hostPID = false, hostIPC = false;
  Json securityContext;
  std::vector<LocalObjectReference> imagePullSecrets;
  std::optional<Affinity> affinity;
  std::vector<Toleration> tolerations;
  std::vector<HostAlias> hostAliases;
  std::optional<std::int32_t> priority;
  ResourceList overhead;
  Json topologySpreadConstraints, readinessGates;
  Json extra;
  bool operator==(const PodSpec&) const = default;
};

struct PodCondition {
  std::string type, status, reason, message;
  std::optional<Time> lastProbeTime, lastTransitionTime;
  Json extra;
  bool operator==(const PodCondition&) const = default;
};

struct ContainerStateWaiting {
  std::string reason, message;
  Json extra;
  bool operator==(const ContainerStateWaiting&) const = default;
};

struct ContainerStateRunning {
  std::optional<Time> startedAt;
  Json extra;
  bool operator==(const ContainerStateRunning&) const = default;
};

struct ContainerStateTerminated {
  std::int32_t exitCode = 0, signal = 0;
  std::string reason, message, containerID;
  std::optional<Time> startedAt, finishedAt;
  Json extra;
  bool operator==(const ContainerStateTerminated&) const = default;
};

struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
  Json extra;
  bool operator==(const ContainerState&) const = default;
};

struct ContainerStatus {
  std::string name, image, imageID, containerID;
  ContainerState state, lastState;
  bool ready = false;
  std::int32_t restartCount = 0;
  std::optional<bool> started;
  Json extra;
  bool operator==(const ContainerStatus&) const = default;
};

struct PodIP {
  std::string ip;
  Json extra;
  bool operator==(const PodIP&) const = default;
};

struct PodStatus {
  std::string phase, message, reason, nominatedNodeName, hostIP, podIP, qosClass;
  std::vector<PodCondition> conditions;
  std::vector<PodIP> podIPs;
  std::optional<Time> startTime;
  std::vector<ContainerStatus> initContainerStatuses, containerStatuses;
  Json extra;
  bool operator==(const PodStatus&) const = default;
};

struct Pod {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
  Json extra;
  bool operator==(const Pod&) const = default;
};

struct PodTemplateSpec {
  ObjectMeta metadata;
  PodSpec spec;
  Json extra;
  bool operator==(const PodTemplateSpec&) const = default;
};

// ---- core/v1: Node ----------------------------------------------------------------------

struct NodeCondition {
  std::string type, status, reason, message;
  std::optional<Time> lastHeartbeatTime, lastTransitionTime;
  Json extra;
  bool operator==(const NodeCondition&) const = default;
};

struct NodeAddress {
  std::string type, address;
  Json extra;
  bool operator==(const NodeAddress&) const = default;
};

struct DaemonEndpoint {
  std::int32_t Port = 0;  //!< the one upper-case JSON key of the core API
  Json extra;
  bool operator==(const DaemonEndpoint&) const = default;
};

struct NodeDaemonEndpoints {
  std::optional<DaemonEndpoint> kubeletEndpoint;
  Json extra;
  bool operator==(const NodeDaemonEndpoints&) const = default;
};

struct NodeSystemInfo {
  std::string machineID, systemUUID, bootID, kernelVersion, osImage, containerRuntimeVersion,
      kubeletVersion, kubeProxyVersion, operatingSystem, architecture;
  Json extra;
  bool operator==(const NodeSystemInfo&) const = default;
};

struct NodeSpec {
  std::string podCIDR, providerID;
  std::vector<std::string> podCIDRs;
  bool unschedulable = false;
  std::vector<Taint> taints;
  Json extra;
  bool operator==(const NodeSpec&) const = default;
};

struct NodeStatus {
  ResourceList capacity, allocatable;
  std::string phase;
  std::vector<NodeCondition> conditions;
  std::vector<NodeAddress> addresses;
  NodeDaemonEndpoints daemonEndpoints;
  NodeSystemInfo nodeInfo;
  Json extra;
  bool operator==(const NodeStatus&) const = default;
};

struct Node {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  NodeSpec spec;
  NodeStatus status;
  Json extra;
  bool operator==(const Node&) const = default;
};

// ---- core/v1: Namespace, ConfigMap, Secret, Event ---------------------------------------

struct NamespaceSpec {
  std::vector<std::string> finalizers;
  Json extra;
  bool operator==(const NamespaceSpec&) const = default;
};

struct NamespaceStatus {
  std::string phase;
  Json extra;
  bool operator==(const NamespaceStatus&) const = default;
};

struct Namespace {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  NamespaceSpec spec;
  NamespaceStatus status;
  Json extra;
  bool operator==(const Namespace&) const = default;
};

struct ConfigMap {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  StringMap data, binaryData;
  std::optional<bool> immutable;
  Json extra;
  bool operator==(const ConfigMap&) const = default;
};

struct Secret {
  std::string apiVersion, kind, type;
  ObjectMeta metadata;
  StringMap data;  //!< base64, as on the wire; see secret_value()
  StringMap stringData;
  std::optional<bool> immutable;
  Json extra;
  bool operator==(const Secret&) const = default;
};

struct ObjectReference {
  std::string apiVersion, kind, namespace_, name, uid, resourceVersion, fieldPath;
  Json extra;
  bool operator==(const ObjectReference&) const = default;
};

struct EventSource {
  std::string component, host;
  Json extra;
  bool operator==(const EventSource&) const = default;
};

struct Event {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  ObjectReference involvedObject;
  std::string reason, message, type, action, reportingComponent, reportingInstance;
  EventSource source;
  std::optional<Time> firstTimestamp, lastTimestamp, eventTime;
  std::int32_t count = 0;
  Json extra;
  bool operator==(const Event&) const = default;
};

// ---- coordination.k8s.io/v1 --------------------------------------------------------------

struct LeaseSpec {
  std::string holderIdentity;
  std::optional<std::int32_t> leaseDurationSeconds, leaseTransitions;
  std::optional<Time> acquireTime, renewTime;
  Json extra;
  bool operator==(const LeaseSpec&) const = default;
};

struct Lease {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  LeaseSpec spec;
  Json extra;
  bool operator==(const Lease&) const = default;
};

// ---- apps/v1 ---------------------------------------------------------------------------

struct WorkloadCondition {
  std::string type, status, reason, message;
  std::optional<Time> lastUpdateTime, lastTransitionTime;
  Json extra;
  bool operator==(const WorkloadCondition&) const = default;
};

struct DeploymentSpec {
  std::optional<std::int32_t> replicas, revisionHistoryLimit, progressDeadlineSeconds;
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;
  Json strategy;
  std::int32_t minReadySeconds = 0;
  bool paused = false;
  Json extra;
  bool operator==(const DeploymentSpec&) const = default;
};

struct DeploymentStatus {
  std::int64_t observedGeneration = 0;
  std::int32_t replicas = 0, updatedReplicas = 0, readyReplicas = 0, availableReplicas = 0,
               unavailableReplicas = 0;
  std::optional<std::int32_t> collisionCount;
  std::vector<WorkloadCondition> conditions;
  Json extra;
  bool operator==(const DeploymentStatus&) const = default;
};

struct Deployment {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  DeploymentSpec spec;
  DeploymentStatus status;
  Json extra;
  bool operator==(const Deployment&) const = default;
};

struct ReplicaSetSpec {
  std::optional<std::int32_t> replicas;
  std::int32_t minReadySeconds = 0;
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;
  Json extra;
  bool operator==(const ReplicaSetSpec&) const = default;
};

struct ReplicaSetStatus {
  std::int64_t observedGeneration = 0;
  std::int32_t replicas = 0, fullyLabeledReplicas = 0, readyReplicas = 0, availableReplicas = 0;
  std::vector<WorkloadCondition> conditions;
  Json extra;
  bool operator==(const ReplicaSetStatus&) const = default;
};

struct ReplicaSet {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  ReplicaSetSpec spec;
  ReplicaSetStatus status;
  Json extra;
  bool operator==(const ReplicaSet&) const = default;
};

// ---- admissionregistration.k8s.io/v1 ------------------------------------------------------

struct ServiceReference {
  std::string namespace_, name;
  std::optional<std::string> path;
  std::optional<std::int32_t> port;
  Json extra;
  bool operator==(const ServiceReference&) const = default;
};

struct WebhookClientConfig {
  std::optional<std::string> url;
  std::optional<ServiceReference> service;
  std::string caBundle;
  Json extra;
  bool operator==(const WebhookClientConfig&) const = default;
};

struct RuleWithOperations {
  std::vector<std::string> operations, apiGroups, apiVersions, resources;
  std::string scope;
  Json extra;
  bool operator==(const RuleWithOperations&) const = default;
};

struct MutatingWebhook {
  std::string name, failurePolicy, matchPolicy, sideEffects, reinvocationPolicy;
  WebhookClientConfig clientConfig;
  std::vector<RuleWithOperations> rules;
  std::optional<LabelSelector> namespaceSelector, objectSelector;
  std::optional<std::int32_t> timeoutSeconds;
  std::vector<std::string> admissionReviewVersions;
  Json matchConditions;
  Json extra;
  bool operator==(const MutatingWebhook&) const = default;
};

struct MutatingWebhookConfiguration {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<MutatingWebhook> webhooks;
  Json extra;
  bool operator==(const MutatingWebhookConfiguration&) const = default;
};

// ---- anything else: custom resources and kinds we do not type ------------------------------

//! An object of any kind: typed metadata, everything else (spec, status, data...) in extra.
//! Custom resources (profile Selector, ElasticWorkload) start here; their typed views are
//! defined by the components that own them.
struct Unstructured {
  std::string apiVersion, kind;
  ObjectMeta metadata;
  Json extra;
  bool operator==(const Unstructured&) const = default;
};

// ---- entry points ------------------------------------------------------------------------

//! Decodes T from JSON; the error names the field path and the value (`spec.containers[0].
//! ports[0].containerPort: expected an integer, found string "80"`).
template <class T>
Result<T> decode(const Json& j);
//! Encodes T to JSON; unknown fields come back exactly as they were read.
template <class T>
Json encode(const T& v);

//! The value of a Secret key: data (base64-decoded) or, before the API server folds it,
//! stringData. nullopt when absent or not valid base64.
std::optional<std::string> secret_value(const Secret& s, const std::string& key);

//! Standard base64 (RFC 4648) encoding and decoding, as Secret data uses.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kci::k8s
