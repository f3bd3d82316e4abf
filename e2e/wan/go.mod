module github.com/stretched-kafka/e2e/wan

go 1.24

require golang.org/x/sys v0.31.0
