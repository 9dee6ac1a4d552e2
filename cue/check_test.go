package main

import (
	"encoding/json"
	"os"
	"testing"
)

func schema(t testing.TB) *Schema {
	text, err := os.ReadFile("../schemas/pipeline.cue")
	if err != nil {
		t.Fatal(err)
	}
	s, err := CompileSchema(string(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func check(t *testing.T, docs string) string {
	got, err := schema(t).Check("#Pipeline", []byte(docs))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	return string(b)
}

// Every problem of a document comes back in one call, each at its own path,
// including the fields not allowed above a wrong value (found by the second
// evaluation) and a required field missing in a list element.
func TestCheckReportsEveryProblem(t *testing.T) {
	got := check(t, `[{"apiVersion":"flowctl/v1","kind":"Pipeline","metadata":{"name":"x"},"spex":1,`+
		`"spec":{"sources":[{"id":"a","image":"i","bogus":1,"ports":[{"containerPort":70000}]}],"sinks":[{"id":"b","volumes":[{"name":"v"}]}]}},`+
		`{"apiVersion":"flowctl/v1","kind":"Pipeline","metadata":{"name":"ok"},"spec":{"sources":[{"id":"s","image":"i"}]}}]`)
	want := `[[` +
		`{"path":["spec","sources",0,"ports",0,"containerPort"],"message":"invalid value 70000 (out of bound \u003c=65535)"},` +
		`{"path":["spec","sinks",0,"volumes",0,"mountPath"],"message":"incomplete value =~\"^[^\\\\x00-\\\\x1f\\\\x7f]*[^\\\\x00-\\\\x20\\\\x7f][^\\\\x00-\\\\x1f\\\\x7f]*$\""},` +
		`{"path":["spex"],"message":"field not allowed"},` +
		`{"path":["spec","sources",0,"bogus"],"message":"field not allowed"}` +
		`],[]]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// An empty disjunction reports its alternatives' errors as details.
func TestCheckDisjunctionDetails(t *testing.T) {
	got := check(t, `[{"apiVersion":"flowctl/v1","kind":"Pipeline","metadata":{"name":"x"},"spec":{"driver":"dockr"}}]`)
	var problems [][]Problem
	if err := json.Unmarshal([]byte(got), &problems); err != nil {
		t.Fatal(err)
	}
	if len(problems[0]) != 1 || len(problems[0][0].Details) != 7 {
		t.Fatalf("want one problem with 7 alternatives, got %s", got)
	}
}

// Input that is not a JSON list of documents is an error, not a panic.
func TestCheckRefusesNonLists(t *testing.T) {
	for _, docs := range []string{`{}`, `[`, ``} {
		if _, err := schema(t).Check("#Pipeline", []byte(docs)); err == nil {
			t.Errorf("%q: want an error", docs)
		}
	}
	if _, err := schema(t).Check("#Nope", []byte(`[]`)); err == nil {
		t.Error("an unknown definition: want an error")
	}
}

// A field not allowed is reported itself, not the fields of its value, also
// when a wrong value elsewhere hides it from the first evaluation.
func TestCheckReportsADisallowedFieldOnce(t *testing.T) {
	got := check(t, `[{"apiVersion":0,"kind":"Pipeline","metadata":{"name":"x"},"\r\n":{"type":"Buffer","data":[]},"spec":{}}]`)
	want := `[[{"path":["apiVersion"],"message":"conflicting values \"flowctl/v1\" and 0 (mismatched types string and int)"},{"path":["\r\n"],"message":"field not allowed"}]]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
