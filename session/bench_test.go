package session

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

func benchFlow(i int64) *evidence.Flow {
	return &evidence.Flow{Source: evidence.SourceProxy, Start: time.Now(), Method: "POST",
		URL: fmt.Sprintf("https://api.example.cn/v1/e?i=%d", i), Host: "api.example.cn", Status: 200,
		ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "User-Agent", Value: "okhttp/4.9"}},
		ReqBody:    evidence.Body{Raw: []byte(fmt.Sprintf(`{"imei":"86123456789%04d","event":"launch"}`, i%10000))},
		RespBody:   evidence.Body{Raw: []byte(`{"code":0}`)},
	}
}

// BenchmarkAddFlow reports flows/s for one caller at a time: each AddFlow
// waits for its own commit (synchronous=FULL) and its blobs' fsync.
func BenchmarkAddFlow(b *testing.B) {
	s := newStore(b, Meta{App: "bench"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.AddFlow(benchFlow(int64(i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// BenchmarkAddFlowParallel reports flows/s with many concurrent callers (as
// the proxy does): group commit batches them into shared transactions.
func BenchmarkAddFlowParallel(b *testing.B) {
	s := newStore(b, Meta{App: "bench"})
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.AddFlow(benchFlow(n.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// BenchmarkAddFlows reports flows/s for batches of 100 in one transaction
// (imports).
func BenchmarkAddFlows(b *testing.B) {
	s := newStore(b, Meta{App: "bench"})
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		fs := make([]*evidence.Flow, 100)
		for j := range fs {
			fs[j] = benchFlow(int64(i + j))
		}
		if err := s.AddFlows(fs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// BenchmarkFlows reports the cost of listing 10 000 flows without bodies.
func BenchmarkFlows(b *testing.B) {
	s := newStore(b, Meta{App: "bench"})
	fs := make([]*evidence.Flow, 10000)
	for j := range fs {
		fs[j] = benchFlow(int64(j))
	}
	if err := s.AddFlows(fs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := s.Flows(FlowQuery{})
		if err != nil || len(got) != 10000 {
			b.Fatal(len(got), err)
		}
	}
}
