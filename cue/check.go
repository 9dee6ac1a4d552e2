// Package main is flowctl's CUE validator: CUE's own evaluator, built to
// WebAssembly (see main.go), checking pipeline documents against the schema
// and reporting every problem of a document in one call, without exporting
// the value.
package main

import (
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/errors"
	cuejson "cuelang.org/go/encoding/json"
)

// Problem is one error of a document: where (field names and list indexes)
// and CUE's message; Details holds the alternatives of an empty disjunction.
type Problem struct {
	Path    []any    `json:"path"`
	Message string   `json:"message"`
	Details []string `json:"details,omitempty"`
}

// Schema is a compiled schema text; compiling takes a while, so the host
// keeps one per text.
type Schema struct {
	text  string
	value cue.Value
}

// The zero Runtime registers no builtin packages (cuecontext.New links all of
// them, twice the module's size); flowctl's schema imports none.
var runtime cue.Runtime

// CompileSchema compiles a schema text.
func CompileSchema(text string) (*Schema, error) {
	inst, err := runtime.Compile("pipeline.cue", text)
	if err != nil {
		return nil, err
	}
	v := inst.Value()
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Schema{text: text, value: v}, nil
}

// Check checks each document (JSON) of a JSON list against a definition of the schema.
func (s *Schema) Check(definition string, documents []byte) ([][]Problem, error) {
	def := s.value.LookupPath(cue.ParsePath(definition))
	if !def.Exists() {
		return nil, fmt.Errorf("the schema has no %s", definition)
	}
	expr, err := cuejson.Extract("documents.json", documents)
	if err != nil {
		return nil, err
	}
	list, ok := expr.(*ast.ListLit)
	if !ok {
		return nil, fmt.Errorf("documents must be a JSON list")
	}
	out := make([][]Problem, len(list.Elts))
	for i, doc := range list.Elts {
		out[i] = s.checkDocument(def, doc)
		if out[i] == nil {
			out[i] = []Problem{} // a valid document: [] in JSON, not null
		}
	}
	return out, nil
}

func (s *Schema) checkDocument(def cue.Value, doc ast.Expr) []Problem {
	ctx := s.value.Context()
	v := def.Unify(ctx.BuildExpr(doc))
	// Most documents are valid: CUE's own validation is cheaper than the walk
	// that finds each problem's place, so the walk runs only when it fails.
	failed := v.Validate(cue.Concrete(true))
	if failed == nil {
		return nil
	}
	problems := walk(v, nil, nil)
	if len(problems) == 0 {
		// The walk found no place for what Validate refused: never call the document valid.
		return appendError(nil, nil, failed)
	}
	if !hasValueError(problems) {
		return problems
	}
	// CUE does not check which fields a struct allows once a value below it
	// is in error, so "field not allowed" above an error is missed. A second
	// evaluation, with each wrong value replaced by top (_), finds those.
	for _, p := range problems {
		replaceWithTop(doc, p.Path)
	}
	seen := map[string]bool{}
	for _, p := range problems {
		seen[fmt.Sprint(p.Path)] = true
	}
	for _, p := range walk(def.Unify(ctx.BuildExpr(doc)), nil, nil) {
		if p.Message == "field not allowed" && !seen[fmt.Sprint(p.Path)] {
			problems = append(problems, p)
		}
	}
	return withoutInsideDisallowed(problems)
}

// withoutInsideDisallowed drops the problems inside a field that is not
// allowed at all: the first evaluation can report fields of its value that
// the second then shows to be part of a field that should not be there.
func withoutInsideDisallowed(problems []Problem) []Problem {
	out := problems[:0:0]
	for _, p := range problems {
		inside := false
		for _, q := range problems {
			if q.Message == "field not allowed" && len(q.Path) < len(p.Path) && fmt.Sprint(q.Path) == fmt.Sprint(p.Path[:len(q.Path)]) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, p)
		}
	}
	return out
}

// hasValueError: a problem other than a missing value or a field not allowed.
func hasValueError(problems []Problem) bool {
	for _, p := range problems {
		if p.Message != "field not allowed" && !isIncomplete(p.Message) {
			return true
		}
	}
	return false
}

func isIncomplete(message string) bool {
	return len(message) >= 10 && message[:10] == "incomplete"
}

// walk reports the problems of v and everything below it. Errors propagate
// up to every enclosing value, so a struct or list reports its own error only
// when none of its members has one.
func walk(v cue.Value, path []any, out []Problem) []Problem {
	// Only subtrees that fail validation are walked: CUE validates a subtree
	// faster than the walk visits it.
	if v.Validate(cue.Concrete(true)) == nil {
		return out
	}
	before := len(out)
	if items, err := v.List(); err == nil {
		for i := 0; items.Next(); i++ {
			out = walk(items.Value(), extend(path, i), out)
		}
	} else if fields, err := v.Fields(); err == nil {
		for fields.Next() {
			out = walk(fields.Value(), extend(path, step(fields.Selector())), out)
		}
	} else if v.Err() == nil {
		if err := v.Validate(cue.Concrete(true)); err != nil {
			return appendError(out, path, err)
		}
	}
	if len(out) > before {
		return out
	}
	if err := v.Err(); err != nil {
		return appendError(out, path, err)
	}
	return out
}

// step is a selector as a path step: a field name or a list index.
func step(sel cue.Selector) any {
	switch sel.LabelType() {
	case cue.StringLabel:
		return sel.Unquoted()
	case cue.IndexLabel:
		return sel.Index()
	}
	return sel.String()
}

func extend(path []any, step any) []any {
	return append(append(make([]any, 0, len(path)+1), path...), step)
}

func appendError(out []Problem, path []any, err error) []Problem {
	all := errors.Errors(err)
	if len(all) == 0 {
		return out
	}
	p := Problem{Path: path, Message: message(all[0])}
	if path == nil {
		p.Path = []any{}
	}
	for _, e := range all[1:] {
		p.Details = append(p.Details, message(e))
	}
	return append(out, p)
}

func message(e errors.Error) string {
	format, args := e.Msg()
	return fmt.Sprintf(format, args...)
}

// replaceWithTop swaps the value at path in a document's syntax tree for _.
func replaceWithTop(doc ast.Expr, path []any) {
	if len(path) == 0 {
		return
	}
	parent := doc
	for _, step := range path[:len(path)-1] {
		parent = child(parent, step)
		if parent == nil {
			return
		}
	}
	last := path[len(path)-1]
	switch n := parent.(type) {
	case *ast.StructLit:
		for _, d := range n.Elts {
			if f, ok := d.(*ast.Field); ok && label(f) == last {
				f.Value = ast.NewIdent("_")
			}
		}
	case *ast.ListLit:
		if i, ok := last.(int); ok && i < len(n.Elts) {
			n.Elts[i] = ast.NewIdent("_")
		}
	}
}

func child(node ast.Expr, step any) ast.Expr {
	switch n := node.(type) {
	case *ast.StructLit:
		for _, d := range n.Elts {
			if f, ok := d.(*ast.Field); ok && label(f) == step {
				return f.Value
			}
		}
	case *ast.ListLit:
		if i, ok := step.(int); ok && i < len(n.Elts) {
			return n.Elts[i]
		}
	}
	return nil
}

func label(f *ast.Field) any {
	name, _, err := ast.LabelName(f.Label)
	if err != nil {
		return nil
	}
	return name
}
