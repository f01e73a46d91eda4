-- parse-sync: a least-privilege SQL Server login for an AXIOMA database (run by the customer's DBA
-- in SSMS or sqlcmd as sysadmin). It can read what the pulls read and write only the purchasing
-- tables the pushes write; nothing else. Adapt the database name and the password.
--   sqlcmd -S 127.0.0.1 -E -i hub_sync_login_axioma.sql -v DB=Axioma PW="…"
USE [master];
IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE name = N'hub_sync')
  CREATE LOGIN [hub_sync] WITH PASSWORD = N'$(PW)', CHECK_POLICY = ON, DEFAULT_DATABASE = [$(DB)], DEFAULT_LANGUAGE = [us_english];
GO
USE [$(DB)];
IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'hub_sync')
  CREATE USER [hub_sync] FOR LOGIN [hub_sync];
GO
-- ERP → Hub: suppliers, cost centres, payments (pulls).
GRANT SELECT ON dbo.Proveedores TO [hub_sync];
GRANT SELECT ON dbo.CentrosCosto TO [hub_sync];
GRANT SELECT ON dbo.Pagos TO [hub_sync];
-- Hub → ERP: purchase orders and receipts (pushes; find_existing reads them back).
GRANT SELECT, INSERT ON dbo.OrdenesCompra TO [hub_sync];
GRANT SELECT, INSERT ON dbo.OrdenesCompraItems TO [hub_sync];
GRANT SELECT, INSERT ON dbo.Recepciones TO [hub_sync];
GRANT SELECT, INSERT ON dbo.RecepcionesItems TO [hub_sync];
-- Downloads (seed 001) create #temp tables only: no permission needed. The connection test
-- (Probar conexión) reads server properties: VIEW SERVER STATE is optional.
GO
