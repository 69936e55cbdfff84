module github.com/leakfunnel/leakfunnel/bench

go 1.26.0

require (
	github.com/leakfunnel/leakfunnel v0.0.0
	github.com/onsi/gomega v1.44.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
	golang.org/x/text v0.42.0 // indirect
)

replace github.com/leakfunnel/leakfunnel => ../

tool golang.org/x/perf/cmd/benchstat
