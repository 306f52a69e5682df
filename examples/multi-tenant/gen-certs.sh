#!/usr/bin/env bash
# Generates a local certificate authority and one certificate per tenant into certs/.
# Clients trust certs/ca.pem (curl --cacert certs/ca.pem ...). Re-run to rotate; isogate
# picks up the new files without a restart.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
mkdir -p certs
cd certs

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=isogate example CA" -keyout ca.key -out ca.pem 2>/dev/null
fi

# leaf NAME DNS...: a P-256 key and a certificate for the DNS names, signed by the CA.
leaf() {
  local name="$1"
  shift
  local sans
  sans="$(printf 'DNS:%s,' "$@")"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$1" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 90 \
    -extfile <(printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "${sans%,}") \
    -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}

leaf shop shop.test '*.shop.test'
leaf blog blog.test
leaf api api.test
echo "certificates written to $(pwd)"
