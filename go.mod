module github.com/govsag/vsag

go 1.24.0

require (
	github.com/goccy/go-json v0.12.0
	github.com/klauspost/cpuid/v2 v2.4.2
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/sys v0.41.0
	gonum.org/v1/gonum v0.17.0
)
