package share

import "github.com/stratapool/strata/core/share/sha256x"

// BestKernel is the lane kernel batches are checked with on this CPU: the
// widest it runs. (bench/results/share.txt has the measurements: AVX-512
// lanes beat one SHA-NI stream 2.5 to 3 times per share; AVX2 lanes still
// beat portable Go by far.)
func BestKernel() sha256x.Kernel { return sha256x.Kernels()[0] }
