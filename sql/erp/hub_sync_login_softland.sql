-- parse-sync: a least-privilege SQL Server login for a SOFTLAND database (run by the customer's
-- DBA as sysadmin). Reads auxiliaries and cost centres; writes only the staging tables
-- softland.Parse* that a Softland process imports (never Softland's own documents).
--   sqlcmd -S 127.0.0.1 -E -i hub_sync_login_softland.sql -v DB=SOFTLAND PW="…"
USE [master];
IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = N'hub_sync')
  CREATE LOGIN [hub_sync] WITH PASSWORD = N'$(PW)', CHECK_POLICY = ON, DEFAULT_DATABASE = [$(DB)], DEFAULT_LANGUAGE = [us_english];
GO
USE [$(DB)];
IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'hub_sync')
  CREATE USER [hub_sync] FOR LOGIN [hub_sync];
GO
GRANT SELECT ON softland.cwtauxi TO [hub_sync];
GRANT SELECT ON softland.cwtccos TO [hub_sync];
GRANT SELECT ON softland.ParsePagos TO [hub_sync];
GRANT SELECT, INSERT ON softland.ParseOrdenesCompra TO [hub_sync];
GRANT SELECT, INSERT ON softland.ParseOrdenesCompraItems TO [hub_sync];
GRANT SELECT, INSERT ON softland.ParseRecepciones TO [hub_sync];
GRANT SELECT, INSERT ON softland.ParseRecepcionesItems TO [hub_sync];
GO
