package link

import (
	"strings"
	"testing"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/wire"
)

// A bech32 address in upper case is the same address: the same worker
// and balance as in lower case; the worker's own name keeps its case.
func TestBech32AddressInUpperCaseIsTheSameAddress(t *testing.T) {
	lower := authorize(regtestAddr+".Rig1", chain.Regtest, job.PoolMode)
	upper := authorize(strings.ToUpper(regtestAddr)+".Rig1", chain.Regtest, job.PoolMode)
	if lower.status != wire.AuthOK || upper.status != wire.AuthOK {
		t.Fatalf("statuses %s %s", lower.status, upper.status)
	}
	if upper.address != regtestAddr || upper.worker != regtestAddr+".Rig1" || upper.worker != lower.worker {
		t.Errorf("upper case: %+v, lower case: %+v", upper, lower)
	}
	// Mixed case is not bech32.
	mixed := authorize(strings.ToUpper(regtestAddr[:10])+regtestAddr[10:], chain.Regtest, job.PoolMode)
	if mixed.status == wire.AuthOK {
		t.Errorf("a mixed-case bech32 address was taken: %+v", mixed)
	}
}
