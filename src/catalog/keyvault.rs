//! Key Vault `AuditEvent` operation names, exactly as Microsoft's logging reference lists them
//! (arm-and-keyvault-operations.md §2.2).

/// Every operation name a Key Vault request may log.
pub const KEYVAULT_OPERATIONS: &[&str] = &[
    "Authentication",
    "VaultGet",
    "VaultPut",
    "VaultDelete",
    "VaultPatch",
    "VaultRecover",
    "KeyCreate",
    "KeyGet",
    "KeyImport",
    "KeyDelete",
    "KeySign",
    "KeyVerify",
    "KeyWrap",
    "KeyUnwrap",
    "KeyEncrypt",
    "KeyDecrypt",
    "KeyUpdate",
    "KeyList",
    "KeyListVersions",
    "KeyPurge",
    "KeyBackup",
    "KeyRestore",
    "KeyRecover",
    "KeyRotate",
    "SecretSet",
    "SecretGet",
    "SecretUpdate",
    "SecretDelete",
    "SecretList",
    "SecretListVersions",
    "SecretPurge",
    "SecretBackup",
    "SecretRestore",
    "SecretRecover",
    "SecretListDeleted",
    "CertificateGet",
    "CertificateCreate",
    "CertificateImport",
    "CertificateUpdate",
    "CertificateList",
    "CertificateListVersions",
    "CertificateDelete",
    "CertificatePurge",
    "CertificateBackup",
    "CertificateRestore",
];

/// The operation named `name` (case-insensitively), as the catalogue spells it.
pub fn operation(name: &str) -> Option<&'static str> {
    KEYVAULT_OPERATIONS.iter().copied().find(|o| o.eq_ignore_ascii_case(name))
}
