//! Tenants, their departments and designations at creation, and SCIM
//! bearer tokens (stored as hashes only).

use sqlx::FromRow;

use super::{Store, StoreError, found_one, new_id, now_text};

/// A tenant row.
#[derive(Debug, Clone, FromRow)]
pub struct TenantRecord {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub scim_enabled: i64,
    pub default_department_id: Option<String>,
    pub default_designation_id: Option<String>,
    pub code_prefix: String,
    pub code_width: i64,
    pub created_at: String,
    pub date_of_joining_from_scim: i64,
    pub next_code_number: i64,
}

/// What creating a tenant needs; names already validated and de-duplicated.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: String,
    pub time_zone: String,
    /// (name, key) pairs.
    pub departments: Vec<(String, String)>,
    pub designations: Vec<(String, String)>,
    /// Index into `departments` / `designations`.
    pub default_department: usize,
    pub default_designation: usize,
    pub code_prefix: String,
    pub code_width: i64,
    pub date_of_joining_from_scim: bool,
}

/// What authenticating a token finds.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRecord {
    pub id: String,
    pub tenant_id: String,
    pub scim_enabled: i64,
    pub date_of_joining_from_scim: i64,
    pub last_used_at: Option<String>,
}

const TENANT_COLUMNS: &str = "SELECT id, name, time_zone, scim_enabled, default_department_id, \
     default_designation_id, code_prefix, code_width, created_at, date_of_joining_from_scim, \
     next_code_number FROM tenants WHERE id = $1";

/// A token as stored (never the secret; only its hash is kept).
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// What changing a tenant's settings sets; None keeps the value.
#[derive(Debug, Clone, Default)]
pub struct TenantChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub date_of_joining_from_scim: Option<bool>,
}

impl Store {
    /// Creates a tenant with its departments and designations, all or none.
    pub async fn create_tenant(&self, new: &NewTenant) -> Result<TenantRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let now = now_text();
        sqlx::query(
            "INSERT INTO tenants (id, name, time_zone, scim_enabled, code_prefix, code_width, \
             next_code_number, created_at, date_of_joining_from_scim) \
             VALUES ($1, $2, $3, 0, $4, $5, 1, $6, $7)",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(&new.time_zone)
        .bind(&new.code_prefix)
        .bind(new.code_width)
        .bind(&now)
        .bind(i64::from(new.date_of_joining_from_scim))
        .execute(&mut *tx)
        .await?;

        let mut department_ids = Vec::with_capacity(new.departments.len());
        for (name, key) in &new.departments {
            let unit_id = new_id();
            sqlx::query(
                "INSERT INTO departments (id, tenant_id, name, name_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&unit_id)
            .bind(&id)
            .bind(name)
            .bind(key)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            department_ids.push(unit_id);
        }
        let mut designation_ids = Vec::with_capacity(new.designations.len());
        for (name, key) in &new.designations {
            let unit_id = new_id();
            sqlx::query(
                "INSERT INTO designations (id, tenant_id, name, name_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&unit_id)
            .bind(&id)
            .bind(name)
            .bind(key)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            designation_ids.push(unit_id);
        }

        sqlx::query(
            "UPDATE tenants SET default_department_id = $1, default_designation_id = $2 \
             WHERE id = $3",
        )
        .bind(department_ids.get(new.default_department).cloned())
        .bind(designation_ids.get(new.default_designation).cloned())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let tenant = sqlx::query_as::<_, TenantRecord>(TENANT_COLUMNS)
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(tenant)
    }

    pub async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let tenants = sqlx::query_as::<_, TenantRecord>(
            "SELECT id, name, time_zone, scim_enabled, default_department_id, \
             default_designation_id, code_prefix, code_width, created_at, \
             date_of_joining_from_scim, next_code_number FROM tenants ORDER BY name, id LIMIT 10000",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(tenants)
    }

    pub async fn get_tenant(&self, id: &str) -> Result<TenantRecord, StoreError> {
        let tenant = sqlx::query_as::<_, TenantRecord>(TENANT_COLUMNS)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        tenant.ok_or(StoreError::NotFound)
    }

    pub async fn set_scim_enabled(&self, id: &str, enabled: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE tenants SET scim_enabled = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(id)
            .execute(&self.pool)
            .await?;
        found_one(&done)?;
        Ok(())
    }

    pub async fn update_tenant(&self, id: &str, changes: &TenantChanges) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE tenants SET name = COALESCE($2, name), time_zone = COALESCE($3, time_zone), \
             date_of_joining_from_scim = COALESCE($4, date_of_joining_from_scim) WHERE id = $1",
        )
        .bind(id)
        .bind(changes.name.as_deref())
        .bind(changes.time_zone.as_deref())
        .bind(changes.date_of_joining_from_scim.map(i64::from))
        .execute(&self.pool)
        .await?;
        found_one(&done)?;
        Ok(())
    }

    pub async fn set_code_format(
        &self,
        id: &str,
        prefix: &str,
        width: i64,
        next_number: i64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE tenants SET code_prefix = $2, code_width = $3, next_code_number = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(prefix)
        .bind(width)
        .bind(next_number)
        .execute(&self.pool)
        .await?;
        found_one(&done)?;
        Ok(())
    }

    /// Stores a new token's hash; returns (token id, created at).
    pub async fn insert_token(
        &self,
        tenant_id: &str,
        token_hash: &str,
        expires_at: Option<&str>,
    ) -> Result<(String, String), StoreError> {
        let id = new_id();
        let now = now_text();
        sqlx::query(
            "INSERT INTO scim_tokens (id, tenant_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(token_hash)
        .bind(&now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok((id, now))
    }

    /// In one transaction: stores a new token and makes the live token
    /// `old_id` stop at `old_until` (sooner if it would already). NotFound
    /// when `old_id` is not a live token of the tenant.
    pub async fn rotate_token(
        &self,
        tenant_id: &str,
        old_id: &str,
        old_until: &str,
        token_hash: &str,
        expires_at: Option<&str>,
    ) -> Result<(String, String), StoreError> {
        let mut tx = self.begin_write().await?;
        let now = now_text();
        let done = sqlx::query(
            "UPDATE scim_tokens SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $3 \
             THEN $3 ELSE expires_at END WHERE tenant_id = $1 AND id = $2 \
             AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $4)",
        )
        .bind(tenant_id)
        .bind(old_id)
        .bind(old_until)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        found_one(&done)?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO scim_tokens (id, tenant_id, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(token_hash)
        .bind(&now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((id, now))
    }

    pub async fn revoke_token(&self, tenant_id: &str, id: &str) -> Result<TokenRow, StoreError> {
        let done = sqlx::query(
            "UPDATE scim_tokens SET revoked_at = COALESCE(revoked_at, $3) \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        found_one(&done)?;
        let token = sqlx::query_as::<_, TokenRow>(
            "SELECT id, created_at, last_used_at, expires_at, revoked_at FROM scim_tokens \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(token)
    }

    /// Every token of the tenant, newest first.
    pub async fn list_tokens(&self, tenant_id: &str) -> Result<Vec<TokenRow>, StoreError> {
        let rows = sqlx::query_as::<_, TokenRow>(
            "SELECT id, created_at, last_used_at, expires_at, revoked_at FROM scim_tokens \
             WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Finds a live (not revoked, not expired) token by its hash.
    pub async fn find_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let found = sqlx::query_as::<_, TokenRecord>(
            "SELECT t.id, t.tenant_id, n.scim_enabled, n.date_of_joining_from_scim, t.last_used_at \
             FROM scim_tokens t JOIN tenants n ON n.id = t.tenant_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found)
    }

    pub async fn touch_token(&self, id: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The named server secret, created (32 random bytes) by whichever
    /// instance asks first; every instance on this database gets the same.
    /// A read when it exists, which is every time but the first.
    pub async fn server_key(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        if let Some(secret) = self.read_server_key(name).await? {
            return Ok(secret);
        }
        sqlx::query(
            "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(crate::hex(&random_secret()))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        // Another instance may have won the race; its key is the key.
        self.read_server_key(name)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Replaces the named server secret with a fresh random one.
    pub async fn renew_server_key(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        self.server_key(name).await?;
        let fresh = random_secret();
        sqlx::query("UPDATE server_keys SET secret = $2, created_at = $3 WHERE name = $1")
            .bind(name)
            .bind(crate::hex(&fresh))
            .bind(now_text())
            .execute(&self.pool)
            .await?;
        Ok(fresh.to_vec())
    }

    async fn read_server_key(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT secret FROM server_keys WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        let Some((secret,)) = found else {
            return Ok(None);
        };
        (0..secret.len())
            .step_by(2)
            .map(|i| {
                secret
                    .get(i..i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .filter(|key| !key.is_empty())
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("server key {name} is not hex")))
    }
}

fn random_secret() -> [u8; 32] {
    let mut secret = [0_u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    secret
}
