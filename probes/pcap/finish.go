package pcap

import "fmt"

// finish closes every open stream and assembles the result.
func (in *ingest) finish() *Result {
	in.tcpAsm.finish()
	in.res.Conns = in.conns.conns()
	flowsSorted(in.res.Flows)
	if in.extraWarn > 0 {
		in.res.Warnings = append(in.res.Warnings, fmt.Sprintf("%s: %d more warnings not shown", in.name, in.extraWarn))
	}
	r := in.res
	return &r
}
