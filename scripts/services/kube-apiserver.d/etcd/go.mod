// Wrapper module that builds etcd from the Go module proxy: go.etcd.io/etcd/server/v3 has a
// main package at its root, but its own relative replace lines forbid `go install pkg@version`.
// As a dependency of this module those replace lines are ignored and the published
// go.etcd.io/etcd/* modules of the same version are used.
// scripts/services/kube-apiserver copies this file into its cache and adds the tool.
module retrain.local/etcdbin

go 1.26
