// Typed conveniences over KubeClient: read an object as a core/k8s struct, write one back.
//
// The seam itself speaks JSON so that custom resources and unknown fields pass untouched;
// these helpers decode and encode through core/k8s/object.h (lossless for unknown fields).
// Must not: add behaviour beyond decode/encode around one client call.
#pragma once

#include "core/k8s/object.h"
#include "core/kube/kube_client.h"

namespace kci::kube {

//! GET and decode as T.
template <class T>
Result<T> get_as(KubeClient& client, const ResourceRef& ref) {
  KCI_TRY(Object obj, client.get(ref));
  return k8s::decode<T>(*obj);
}

//! Decodes a shared object as T.
template <class T>
Result<T> decode_as(const Object& obj) {
  if (!obj) return invalid_argument("decode_as: null object");
  return k8s::decode<T>(*obj);
}

//! Encodes and POSTs; returns the stored object decoded.
template <class T>
Result<T> create_as(KubeClient& client, const ResourceRef& ref, const T& value,
                    const WriteOptions& options = {}) {
  KCI_TRY(Object obj, client.create(ref, k8s::encode(value), options));
  return k8s::decode<T>(*obj);
}

//! Encodes and PUTs; returns the stored object decoded.
template <class T>
Result<T> update_as(KubeClient& client, const ResourceRef& ref, const T& value,
                    const WriteOptions& options = {}) {
  KCI_TRY(Object obj, client.update(ref, k8s::encode(value), options));
  return k8s::decode<T>(*obj);
}

}  // namespace kci::kube
