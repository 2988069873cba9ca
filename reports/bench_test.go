package reports

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkEncode renders a full 157-unit judgement with every evidence
// section in each format. MB/s is output bytes per second.
func BenchmarkEncode(b *testing.B) {
	r := fullReport()
	for _, f := range Formats() {
		b.Run(f, func(b *testing.B) {
			var buf bytes.Buffer
			if err := Encode(&buf, f, r); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := Encode(io.Discard, f, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode reads back the JSON of a full report.
func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	if err := Encode(&buf, FormatJSON, fullReport()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(bytes.NewReader(data), "bench.json"); err != nil {
			b.Fatal(err)
		}
	}
}
