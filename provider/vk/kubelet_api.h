// The virtual kubelet's HTTP API, what kube-apiserver, metrics-server and Prometheus ask a
// kubelet on :10250, answered from the virtual kubelet's caches and KCI:
//   GET /healthz                                  ok, or 503 naming the credentials problem
//   GET /pods                                     PodList of the pods bound to the node
//   GET /runningpods/                             PodList of those whose group runs
//   GET /containerLogs/{ns}/{pod}/{container}     DescribeContainerLog; tailLines,
//        limitBytes, timestamps, follow (polled; ends when the container group ends)
//   GET /stats/summary                            the Summary API: node, pods, containers
//   GET /metrics                                  Prometheus text: pods by phase, KCI calls
//        by action and result, KCI call latency, groups created/deleted/adopted/orphaned
//   GET /metrics/resource                         Prometheus text: container start times
//
// KCI publishes no usage metrics (kci-cloud.md lists no such action), so the summary and
// /metrics/resource carry no CPU or memory usage; they say so rather than invent numbers.
// Must be called on the virtual kubelet's executor (it reads its caches), as must the
// stream of a followed log.
#pragma once

#include "provider/http/http_service.h"
#include "provider/vk/virtual_kubelet.h"

namespace kci::vk {

class KubeletApi {
 public:
  explicit KubeletApi(VirtualKubelet& vk) : vk_(vk) {}

  provider::HttpResponse handle(const provider::HttpRequest& request);

  //! A log being read: what the last read returned, and how many bytes may still go out.
  struct LogFollow {
    std::string key, pod_uid, group_id, container;
    bool timestamps = false, finished = false;
    std::optional<std::int64_t> bytes_left;  //!< limitBytes
    std::vector<std::string> last;           //!< the lines of the previous read
    bool done() const { return finished; }
    //! Cuts `s` to the bytes left (limitBytes); the stream ends once they are spent.
    std::string clip(std::string s);
  };

 private:
  provider::HttpResponse logs(const provider::HttpRequest& req);
  //! Reads the last `tail` lines and returns those not returned before (timestamped when
  //! asked: with the time of the read, as KCI's logs carry none).
  Result<std::string> read_log(LogFollow& st, int tail);
  std::optional<std::string> poll_log(LogFollow& st);
  provider::HttpResponse summary();
  provider::HttpResponse metrics();
  provider::HttpResponse resource_metrics();

  VirtualKubelet& vk_;
};

}  // namespace kci::vk
