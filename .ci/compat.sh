#!/usr/bin/env bash
# The compatibility runs (docs/registries.md): the OCI store contract, the read path, publishing, modules,
# delegated token auth and the terraform and tofu end-to-end suites, again against each registry
# implementation besides Distribution 2.8 (which `npm test` covers): Distribution v3 and crane's
# registry, built by .ci/build-registries.sh. TF_OCI_COMPAT_REGISTRIES narrows the list. Prints each
# run's duration; exits non-zero when a run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

suites=(test/oci/distribution- test/read-path/distribution test/publish/distribution test/modules/module-distribution
  test/auth/delegate-token test/e2e/terraform-registry test/e2e/tofu-oci)
status=0
for registry in ${TF_OCI_COMPAT_REGISTRIES:-distribution-3 crane}; do
  echo "compat: $registry"
  started=$SECONDS
  TF_OCI_TEST_REGISTRY="$registry" node scripts/run-tests.mjs "${suites[@]}" || status=1
  echo "compat: $registry took $((SECONDS - started))s"
done
exit "$status"
