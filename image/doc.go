// Package image is the lifecycle's access to images, only through
// go-containerregistry's v1.Image and v1.Layer values: registry references
// with insecure registries (CONFORMANCE TGT-1, TGT-2), credentials from
// CNB_REGISTRY_AUTH then the docker config (AUTH-1..4), reading images and
// checking read and write access (ANA-5). It defines no image interface of
// its own.
package image
