//! Compiles the directory API in `proto/` with the protoc that ships inside
//! the `protoc-bin-vendored` crate, so a fresh machine needs no install.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/runtime/hrms/directory/v1/employees.proto",
    "proto/runtime/hrms/directory/v1/organization.proto",
    "proto/runtime/hrms/directory/v1/tenants.proto",
    "proto/runtime/hrms/directory/v1/provisioning.proto",
    "proto/runtime/hrms/directory/v1/groups.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Neither prost-build nor tonic-prost-build says when protos change.
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=build.rs");

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);

    let protos: Vec<PathBuf> = PROTOS.iter().map(PathBuf::from).collect();
    let includes = [PathBuf::from("proto"), protoc_bin_vendored::include_path()?];
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("directory_descriptor.bin"))
        .compile_with_config(config, &protos, &includes)?;
    Ok(())
}
