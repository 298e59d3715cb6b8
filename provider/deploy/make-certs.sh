#!/usr/bin/env bash
# Creates the two TLS Secrets in kube-system and trusts the webhook's CA:
#   kci-profile-tls      the profile webhook's serving certificate (SAN kci-profile,
#                        kci-profile.kube-system, kci-profile.kube-system.svc), signed by a
#                        CA made here; the CA goes into the caBundle of the
#                        MutatingWebhookConfiguration kci-profile when that object exists
#   virtual-kubelet-tls  the virtual kubelet's kubelet-API certificate (self-signed; the API
#                        server does not verify kubelet certificates unless started with
#                        --kubelet-certificate-authority)
# Needs openssl and kubectl (KUBECONFIG or --kubeconfig as usual, passed through KUBECTL,
# e.g. KUBECTL="kubectl --kubeconfig admin.conf"). Re-running replaces both certificates.
# DAYS (default 825) sets their lifetime; renew before they expire.
set -euo pipefail
kubectl=${KUBECTL:-kubectl}
days=${DAYS:-825}
ns=kube-system
svc=kci-profile
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=kci-profile-ca" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$svc.$ns.svc" \
  -keyout webhook.key -out webhook.csr 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.%s,DNS:%s.%s.svc\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' \
  "$svc" "$svc" "$ns" "$svc" "$ns" >webhook.ext
openssl x509 -req -sha256 -days "$days" -in webhook.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
  -extfile webhook.ext -out webhook.crt 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=virtual-kubelet" \
  -addext "extendedKeyUsage=serverAuth" -keyout kubelet.key -out kubelet.crt 2>/dev/null

$kubectl -n "$ns" create secret tls kci-profile-tls --cert=webhook.crt --key=webhook.key \
  --dry-run=client -o yaml | $kubectl apply -f -
$kubectl -n "$ns" create secret tls virtual-kubelet-tls --cert=kubelet.crt --key=kubelet.key \
  --dry-run=client -o yaml | $kubectl apply -f -

if $kubectl get mutatingwebhookconfiguration kci-profile >/dev/null 2>&1; then
  ca=$(base64 -w0 ca.crt)
  $kubectl patch mutatingwebhookconfiguration kci-profile --type=json \
    -p "[{\"op\": \"add\", \"path\": \"/webhooks/0/clientConfig/caBundle\", \"value\": \"$ca\"}]"
else
  echo "make-certs.sh: MutatingWebhookConfiguration kci-profile not found; apply profile-webhook.yaml and run this again" >&2
fi
