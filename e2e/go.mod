module github.com/go-multistage/multistage/e2e

go 1.26
