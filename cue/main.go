//go:build js && wasm

// The WebAssembly entry point: Go's wasm_exec.js runs it, and it puts
// flowctlCue.check and flowctlCue.openapi on the global object. Both take
// strings and answer a JSON text, {"result": …} or {"error": "…"}.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"cuelang.org/go/encoding/openapi"
)

// schemas keeps the compiled schema of each text seen (flowctl has one or two).
var schemas = map[string]*Schema{}

func schemaFor(text string) (*Schema, error) {
	if s, ok := schemas[text]; ok {
		return s, nil
	}
	s, err := CompileSchema(text)
	if err != nil {
		return nil, err
	}
	if len(schemas) >= 8 {
		clear(schemas)
	}
	schemas[text] = s
	return s, nil
}

// answer runs one call; a panic becomes an error answer, so the module keeps serving.
func answer(call func() (any, error)) (out string) {
	defer func() {
		if r := recover(); r != nil {
			clear(schemas) // CUE may have left a compiled schema half evaluated: compile it afresh
			out = encode(nil, fmt.Errorf("internal: %v", r))
		}
	}()
	return encode(call())
}

func encode(result any, err error) string {
	var b []byte
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	} else {
		b, _ = json.Marshal(map[string]any{"result": result})
	}
	return string(b)
}

func main() {
	api := js.Global().Get("Object").New()
	// check(schema, definition, documents): documents is a JSON list; the
	// result is one list of problems per document.
	api.Set("check", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return answer(func() (any, error) {
			s, err := schemaFor(args[0].String())
			if err != nil {
				return nil, err
			}
			return s.Check(args[1].String(), []byte(args[2].String()))
		})
	}))
	// openapi(schema): the definitions as an OpenAPI 3 document (CUE's own encoder).
	api.Set("openapi", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return answer(func() (any, error) {
			s, err := schemaFor(args[0].String())
			if err != nil {
				return nil, err
			}
			b, err := openapi.Gen(s.value, nil)
			return json.RawMessage(b), err
		})
	}))
	js.Global().Set("flowctlCue", api)
	select {} // serve calls until the host exits
}
