package main

import (
	"fmt"
	"strings"
	"testing"
)

// docs is one pipeline of n components, as a JSON list of documents.
func docs(n int) []byte {
	var b strings.Builder
	b.WriteString(`[{"apiVersion":"flowctl/v1","kind":"Pipeline","metadata":{"name":"x"},"spec":{"sources":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"s%d","image":"i","env":{"A":"1","B":"2"},"ports":[{"containerPort":80}]}`, i)
	}
	b.WriteString(`]}}]`)
	return []byte(b.String())
}

// go test -bench . : a valid pipeline of 1,000 components, and one with nine errors.
func BenchmarkCheck(b *testing.B) {
	s := schema(b)
	valid := docs(1000)
	invalid := []byte(strings.Replace(string(valid), `"containerPort":80`, `"containerPort":70000`, 9))
	b.Run("valid", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if got, _ := s.Check("#Pipeline", valid); len(got[0]) != 0 {
				b.Fatal(got)
			}
		}
	})
	b.Run("invalid", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if got, _ := s.Check("#Pipeline", invalid); len(got[0]) != 9 {
				b.Fatal(len(got[0]))
			}
		}
	})
}
