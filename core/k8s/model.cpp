// Field tables of the Kubernetes model (object.h) and its entry points.
#include <array>
#include <cstdio>

#include "core/k8s/codec.h"
#include "core/k8s/object.h"

namespace kci::k8s {

// ---- Time ----------------------------------------------------------------------------------

namespace {
bool parse_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
}  // namespace

Result<Time> Time::parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalid_argument("time \"" + std::string(text) + "\": " + std::string(why) +
                            " (accepted: RFC 3339 such as \"2024-01-01T00:00:00Z\" or "
                            "\"2024-01-01T08:00:00.123456+08:00\")");
  };
  int y, mo, d, h, mi, sec;
  if (!parse_digits(text, 0, 4, y) || text.size() < 20 || text[4] != '-' ||
      !parse_digits(text, 5, 2, mo) || text[7] != '-' || !parse_digits(text, 8, 2, d) ||
      (text[10] != 'T' && text[10] != 't') || !parse_digits(text, 11, 2, h) || text[13] != ':' ||
      !parse_digits(text, 14, 2, mi) || text[16] != ':' || !parse_digits(text, 17, 2, sec))
    return bad("not in the form YYYY-MM-DDTHH:MM:SS");
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return bad("no such date");
  // 60 admits a leap second, which Go's time package also accepts.
  if (h > 23 || mi > 59 || sec > 60) return bad("hour, minute or second out of range");
  std::size_t pos = 19;
  std::int64_t micros = 0;
  bool fraction = false;
  if (pos < text.size() && text[pos] == '.') {
    fraction = true;
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Digits beyond microseconds are dropped: MicroTime's own precision.
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad("a '.' must be followed by digits");
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!parse_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !parse_digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
      return bad("bad time-zone offset");
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("missing time zone ('Z' or an offset such as +08:00)");
  }
  if (pos != text.size()) return bad("unexpected text after the time");
  TimePoint at = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                 std::chrono::seconds(sec) + Duration(micros) -
                 std::chrono::minutes(offset_minutes);
  return Time{at, fraction};
}

std::string Time::to_string() const {
  const auto days = std::chrono::floor<std::chrono::days>(at);
  const std::chrono::year_month_day ymd{days};
  const auto tod = at - days;
  const auto h = std::chrono::duration_cast<std::chrono::hours>(tod);
  const auto m = std::chrono::duration_cast<std::chrono::minutes>(tod - h);
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(tod - h - m);
  const auto us = std::chrono::duration_cast<Duration>(tod - h - m - s);
  std::array<char, 48> buf{};
  if (micro) {
    std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                  static_cast<int>(m.count()), static_cast<int>(s.count()),
                  static_cast<long long>(us.count()));
  } else {
    std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                  static_cast<int>(m.count()), static_cast<int>(s.count()));
  }
  return buf.data();
}

// ---- base64 ----------------------------------------------------------------------------------

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad > 0) return std::nullopt;  // data after padding
        v[k] = b64_value(c);
        if (v[k] < 0) return std::nullopt;
      }
    }
    const unsigned n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::optional<std::string> secret_value(const Secret& s, const std::string& key) {
  if (auto it = s.stringData.find(key); it != s.stringData.end()) return it->second;
  if (auto it = s.data.find(key); it != s.data.end()) return base64_decode(it->second);
  return std::nullopt;
}

}  // namespace kci::k8s

namespace kci::k8s::codec {

KCI_SCHEMA(OwnerReference, KCI_F(apiVersion), KCI_F(kind), KCI_F(name), KCI_F(uid),
           KCI_F(controller), KCI_F(blockOwnerDeletion));
KCI_SCHEMA(ObjectMeta, KCI_F(name), KCI_F(generateName), KCI_FK(namespace_, "namespace"),
           KCI_F(uid), KCI_F(resourceVersion), KCI_F(generation), KCI_F(creationTimestamp),
           KCI_F(deletionTimestamp), KCI_F(deletionGracePeriodSeconds), KCI_F(labels),
           KCI_F(annotations), KCI_F(ownerReferences), KCI_F(finalizers));
KCI_SCHEMA(LabelSelectorRequirement, KCI_F(key), KCI_FK(operator_, "operator"), KCI_F(values));
KCI_SCHEMA(LabelSelector, KCI_F(matchLabels), KCI_F(matchExpressions));
KCI_SCHEMA(Taint, KCI_F(key), KCI_F(value), KCI_F(effect), KCI_F(timeAdded));
KCI_SCHEMA(Toleration, KCI_F(key), KCI_FK(operator_, "operator"), KCI_F(value), KCI_F(effect),
           KCI_F(tolerationSeconds));
KCI_SCHEMA(NodeSelectorRequirement, KCI_F(key), KCI_FK(operator_, "operator"), KCI_F(values));
KCI_SCHEMA(NodeSelectorTerm, KCI_F(matchExpressions), KCI_F(matchFields));
KCI_SCHEMA(NodeSelector, KCI_F(nodeSelectorTerms));
KCI_SCHEMA(PreferredSchedulingTerm, KCI_F(weight), KCI_F(preference));
KCI_SCHEMA(NodeAffinity, KCI_F(requiredDuringSchedulingIgnoredDuringExecution),
           KCI_F(preferredDuringSchedulingIgnoredDuringExecution));
KCI_SCHEMA(Affinity, KCI_F(nodeAffinity), KCI_F(podAffinity), KCI_F(podAntiAffinity));
KCI_SCHEMA(ContainerPort, KCI_F(name), KCI_F(containerPort), KCI_F(hostPort), KCI_F(protocol),
           KCI_F(hostIP));
KCI_SCHEMA(ObjectFieldSelector, KCI_F(apiVersion), KCI_F(fieldPath));
KCI_SCHEMA(ResourceFieldSelector, KCI_F(containerName), KCI_F(resource), KCI_F(divisor));
KCI_SCHEMA(KeySelector, KCI_F(name), KCI_F(key), KCI_F(optional));
KCI_SCHEMA(EnvVarSource, KCI_F(fieldRef), KCI_F(resourceFieldRef), KCI_F(configMapKeyRef),
           KCI_F(secretKeyRef));
KCI_SCHEMA(EnvVar, KCI_F(name), KCI_F(value), KCI_F(valueFrom));
KCI_SCHEMA(NameOptionalRef, KCI_F(name), KCI_F(optional));
KCI_SCHEMA(EnvFromSource, KCI_F(prefix), KCI_F(configMapRef), KCI_F(secretRef));
KCI_SCHEMA(ResourceRequirements, KCI_F(limits), KCI_F(requests));
KCI_SCHEMA(VolumeMount, KCI_F(name), KCI_F(mountPath), KCI_F(subPath), KCI_F(mountPropagation),
           KCI_F(readOnly));
KCI_SCHEMA(ExecAction, KCI_F(command));
KCI_SCHEMA(HTTPGetAction, KCI_F(path), KCI_F(host), KCI_F(scheme), KCI_F(port),
           KCI_F(httpHeaders));
KCI_SCHEMA(TCPSocketAction, KCI_F(port), KCI_F(host));
KCI_SCHEMA(Probe, KCI_F(exec), KCI_F(httpGet), KCI_F(tcpSocket), KCI_F(grpc),
           KCI_F(initialDelaySeconds), KCI_F(timeoutSeconds), KCI_F(periodSeconds),
           KCI_F(successThreshold), KCI_F(failureThreshold), KCI_F(terminationGracePeriodSeconds));
KCI_SCHEMA(LifecycleHandler, KCI_F(exec), KCI_F(httpGet), KCI_F(tcpSocket), KCI_F(sleep));
KCI_SCHEMA(Lifecycle, KCI_F(postStart), KCI_F(preStop));
KCI_SCHEMA(SecurityContext, KCI_F(privileged), KCI_F(runAsNonRoot), KCI_F(readOnlyRootFilesystem),
           KCI_F(allowPrivilegeEscalation), KCI_F(runAsUser), KCI_F(runAsGroup),
           KCI_F(capabilities));
KCI_SCHEMA(Container, KCI_F(name), KCI_F(image), KCI_F(imagePullPolicy), KCI_F(workingDir),
           KCI_F(command), KCI_F(args), KCI_F(ports), KCI_F(envFrom), KCI_F(env),
           KCI_F(resources), KCI_F(volumeMounts), KCI_F(livenessProbe), KCI_F(readinessProbe),
           KCI_F(startupProbe), KCI_F(lifecycle), KCI_F(terminationMessagePath),
           KCI_F(terminationMessagePolicy), KCI_F(securityContext), KCI_F(restartPolicy),
           KCI_F(stdin), KCI_F(tty));
KCI_SCHEMA(KeyToPath, KCI_F(key), KCI_F(path), KCI_F(mode));
KCI_SCHEMA(HostPathVolumeSource, KCI_F(path), KCI_F(type));
KCI_SCHEMA(EmptyDirVolumeSource, KCI_F(medium), KCI_F(sizeLimit));
KCI_SCHEMA(SecretVolumeSource, KCI_F(secretName), KCI_F(items), KCI_F(defaultMode),
           KCI_F(optional));
KCI_SCHEMA(ConfigMapVolumeSource, KCI_F(name), KCI_F(items), KCI_F(defaultMode), KCI_F(optional));
KCI_SCHEMA(NFSVolumeSource, KCI_F(server), KCI_F(path), KCI_F(readOnly));
KCI_SCHEMA(PersistentVolumeClaimVolumeSource, KCI_F(claimName), KCI_F(readOnly));
KCI_SCHEMA(Volume, KCI_F(name), KCI_F(hostPath), KCI_F(emptyDir), KCI_F(secret), KCI_F(configMap),
           KCI_F(nfs), KCI_F(persistentVolumeClaim), KCI_F(projected), KCI_F(downwardAPI),
           KCI_F(csi));
KCI_SCHEMA(PodDNSConfigOption, KCI_F(name), KCI_F(value));
KCI_SCHEMA(PodDNSConfig, KCI_F(nameservers), KCI_F(searches), KCI_F(options));
KCI_SCHEMA(HostAlias, KCI_F(ip), KCI_F(hostnames));
KCI_SCHEMA(LocalObjectReference, KCI_F(name));
KCI_SCHEMA(PodSpec, KCI_F(initContainers), KCI_F(containers), KCI_F(volumes),
           KCI_F(restartPolicy), KCI_F(dnsPolicy), KCI_F(serviceAccountName), KCI_F(nodeName),
           KCI_F(hostname), KCI_F(subdomain), KCI_F(schedulerName), KCI_F(priorityClassName),
           KCI_F(runtimeClassName), KCI_F(terminationGracePeriodSeconds),
           KCI_F(activeDeadlineSeconds), KCI_F(dnsConfig), KCI_F(nodeSelector),
           KCI_F(automountServiceAccountToken), KCI_F(enableServiceLinks), KCI_F(hostNetwork),
           KCI_F(hostPID), KCI_F(hostIPC), KCI_F(securityContext), KCI_F(imagePullSecrets),
           KCI_F(affinity), KCI_F(tolerations), KCI_F(hostAliases), KCI_F(priority),
           KCI_F(overhead), KCI_F(topologySpreadConstraints), KCI_F(readinessGates));
KCI_SCHEMA(PodCondition, KCI_F(type), KCI_F(status), KCI_F(reason), KCI_F(message),
           KCI_F(lastProbeTime), KCI_F(lastTransitionTime));
KCI_SCHEMA(ContainerStateWaiting, KCI_F(reason), KCI_F(message));
KCI_SCHEMA(ContainerStateRunning, KCI_F(startedAt));
// Go writes exitCode, and a container status' name, image, imageID, ready and restartCount,
// even when empty (no omitempty); generated clients refuse a status without them.
KCI_SCHEMA(ContainerStateTerminated, KCI_FA(exitCode), KCI_F(signal), KCI_F(reason),
           KCI_F(message), KCI_F(containerID), KCI_F(startedAt), KCI_F(finishedAt));
KCI_SCHEMA(ContainerState, KCI_F(waiting), KCI_F(running), KCI_F(terminated));
KCI_SCHEMA(ContainerStatus, KCI_FA(name), KCI_FA(image), KCI_FA(imageID), KCI_F(containerID),
           KCI_F(state), KCI_F(lastState), KCI_FA(ready), KCI_FA(restartCount), KCI_F(started));
KCI_SCHEMA(PodIP, KCI_F(ip));
KCI_SCHEMA(PodStatus, KCI_F(phase), KCI_F(message), KCI_F(reason), KCI_F(nominatedNodeName),
           KCI_F(hostIP), KCI_F(podIP), KCI_F(qosClass), KCI_F(conditions), KCI_F(podIPs),
           KCI_F(startTime), KCI_F(initContainerStatuses), KCI_F(containerStatuses));
KCI_SCHEMA(Pod, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(spec), KCI_F(status));
KCI_SCHEMA(PodTemplateSpec, KCI_F(metadata), KCI_F(spec));
KCI_SCHEMA(NodeCondition, KCI_F(type), KCI_F(status), KCI_F(reason), KCI_F(message),
           KCI_F(lastHeartbeatTime), KCI_F(lastTransitionTime));
KCI_SCHEMA(NodeAddress, KCI_F(type), KCI_F(address));
KCI_SCHEMA(DaemonEndpoint, KCI_F(Port));
KCI_SCHEMA(NodeDaemonEndpoints, KCI_F(kubeletEndpoint));
KCI_SCHEMA(NodeSystemInfo, KCI_F(machineID), KCI_F(systemUUID), KCI_F(bootID),
           KCI_F(kernelVersion), KCI_F(osImage), KCI_F(containerRuntimeVersion),
           KCI_F(kubeletVersion), KCI_F(kubeProxyVersion), KCI_F(operatingSystem),
           KCI_F(architecture));
KCI_SCHEMA(NodeSpec, KCI_F(podCIDR), KCI_F(providerID), KCI_F(podCIDRs), KCI_F(unschedulable),
           KCI_F(taints));
KCI_SCHEMA(NodeStatus, KCI_F(capacity), KCI_F(allocatable), KCI_F(phase), KCI_F(conditions),
           KCI_F(addresses), KCI_F(daemonEndpoints), KCI_F(nodeInfo));
KCI_SCHEMA(Node, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(spec), KCI_F(status));
KCI_SCHEMA(NamespaceSpec, KCI_F(finalizers));
KCI_SCHEMA(NamespaceStatus, KCI_F(phase));
KCI_SCHEMA(Namespace, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(spec),
           KCI_F(status));
KCI_SCHEMA(ConfigMap, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(data),
           KCI_F(binaryData), KCI_F(immutable));
KCI_SCHEMA(Secret, KCI_F(apiVersion), KCI_F(kind), KCI_F(type), KCI_F(metadata), KCI_F(data),
           KCI_F(stringData), KCI_F(immutable));
KCI_SCHEMA(ObjectReference, KCI_F(apiVersion), KCI_F(kind), KCI_FK(namespace_, "namespace"),
           KCI_F(name), KCI_F(uid), KCI_F(resourceVersion), KCI_F(fieldPath));
KCI_SCHEMA(EventSource, KCI_F(component), KCI_F(host));
KCI_SCHEMA(Event, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(involvedObject),
           KCI_F(reason), KCI_F(message), KCI_F(type), KCI_F(action), KCI_F(reportingComponent),
           KCI_F(reportingInstance), KCI_F(source), KCI_F(firstTimestamp), KCI_F(lastTimestamp),
           KCI_F(eventTime), KCI_F(count));
KCI_SCHEMA(LeaseSpec, KCI_F(holderIdentity), KCI_F(leaseDurationSeconds), KCI_F(leaseTransitions),
           KCI_F(acquireTime), KCI_F(renewTime));
KCI_SCHEMA(Lease, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(spec));
KCI_SCHEMA(WorkloadCondition, KCI_F(type), KCI_F(status), KCI_F(reason), KCI_F(message),
           KCI_F(lastUpdateTime), KCI_F(lastTransitionTime));
KCI_SCHEMA(DeploymentSpec, KCI_F(replicas), KCI_F(revisionHistoryLimit),
           KCI_F(progressDeadlineSeconds), KCI_F(selector), KCI_FK(template_, "template"),
           KCI_F(strategy), KCI_F(minReadySeconds), KCI_F(paused));
KCI_SCHEMA(DeploymentStatus, KCI_F(observedGeneration), KCI_F(replicas), KCI_F(updatedReplicas),
           KCI_F(readyReplicas), KCI_F(availableReplicas), KCI_F(unavailableReplicas),
           KCI_F(collisionCount), KCI_F(conditions));
KCI_SCHEMA(Deployment, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(spec),
           KCI_F(status));
KCI_SCHEMA(ReplicaSetSpec, KCI_F(replicas), KCI_F(minReadySeconds), KCI_F(selector),
           KCI_FK(template_, "template"));
KCI_SCHEMA(ReplicaSetStatus, KCI_F(observedGeneration), KCI_F(replicas),
           KCI_F(fullyLabeledReplicas), KCI_F(readyReplicas), KCI_F(availableReplicas),
           KCI_F(conditions));
KCI_SCHEMA(ReplicaSet, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata), KCI_F(spec),
           KCI_F(status));
KCI_SCHEMA(ServiceReference, KCI_FK(namespace_, "namespace"), KCI_F(name), KCI_F(path),
           KCI_F(port));
KCI_SCHEMA(WebhookClientConfig, KCI_F(url), KCI_F(service), KCI_F(caBundle));
KCI_SCHEMA(RuleWithOperations, KCI_F(operations), KCI_F(apiGroups), KCI_F(apiVersions),
           KCI_F(resources), KCI_F(scope));
KCI_SCHEMA(MutatingWebhook, KCI_F(name), KCI_F(failurePolicy), KCI_F(matchPolicy),
           KCI_F(sideEffects), KCI_F(reinvocationPolicy), KCI_F(clientConfig), KCI_F(rules),
           KCI_F(namespaceSelector), KCI_F(objectSelector), KCI_F(timeoutSeconds),
           KCI_F(admissionReviewVersions), KCI_F(matchConditions));
KCI_SCHEMA(MutatingWebhookConfiguration, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata),
           KCI_F(webhooks));
KCI_SCHEMA(Unstructured, KCI_F(apiVersion), KCI_F(kind), KCI_F(metadata));

}  // namespace kci::k8s::codec

namespace kci::k8s {

template <class T>
Result<T> decode(const Json& j) {
  return codec::decode_object<T>(j);
}
template <class T>
Json encode(const T& v) {
  return codec::encode_value(v);
}

#define KCI_INSTANTIATE(T)                     \
  template Result<T> decode<T>(const Json&); \
  template Json encode<T>(const T&);

KCI_INSTANTIATE(ObjectMeta)
KCI_INSTANTIATE(OwnerReference)
KCI_INSTANTIATE(LabelSelector)
KCI_INSTANTIATE(Taint)
KCI_INSTANTIATE(Toleration)
KCI_INSTANTIATE(NodeSelectorTerm)
KCI_INSTANTIATE(NodeSelector)
KCI_INSTANTIATE(NodeAffinity)
KCI_INSTANTIATE(Affinity)
KCI_INSTANTIATE(Container)
KCI_INSTANTIATE(EnvVar)
KCI_INSTANTIATE(Volume)
KCI_INSTANTIATE(Probe)
KCI_INSTANTIATE(ResourceRequirements)
KCI_INSTANTIATE(PodSpec)
KCI_INSTANTIATE(PodStatus)
KCI_INSTANTIATE(PodCondition)
KCI_INSTANTIATE(ContainerStatus)
KCI_INSTANTIATE(PodTemplateSpec)
KCI_INSTANTIATE(Pod)
KCI_INSTANTIATE(NodeCondition)
KCI_INSTANTIATE(NodeStatus)
KCI_INSTANTIATE(Node)
KCI_INSTANTIATE(Namespace)
KCI_INSTANTIATE(ConfigMap)
KCI_INSTANTIATE(Secret)
KCI_INSTANTIATE(ObjectReference)
KCI_INSTANTIATE(Event)
KCI_INSTANTIATE(Lease)
KCI_INSTANTIATE(Deployment)
KCI_INSTANTIATE(ReplicaSet)
KCI_INSTANTIATE(MutatingWebhook)
KCI_INSTANTIATE(MutatingWebhookConfiguration)
KCI_INSTANTIATE(Unstructured)

#undef KCI_INSTANTIATE

}  // namespace kci::k8s
