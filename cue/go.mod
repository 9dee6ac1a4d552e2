module flowctl.dev/cue

go 1.26

toolchain go1.26.8

require cuelang.org/go v0.17.1

require (
	github.com/cockroachdb/apd/v3 v3.2.3 // indirect
	golang.org/x/text v0.38.0 // indirect
)
