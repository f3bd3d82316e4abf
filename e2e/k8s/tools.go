//go:build tools

// Package tools pins the real Kubernetes control-plane components that the e2e/k8s tests run.
// Nothing imports it; it only makes go.mod/go.sum record the exact versions that build.sh builds.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "sigs.k8s.io/kustomize/kustomize/v5"
)
