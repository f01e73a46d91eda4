/** An outbound document config (ORDEN_COMPRA-like) with update, line replacement and delete, and declared types. */
export const OC_QUERIES = {
  find_existing: 'SELECT IdOC FROM OrdenesCompra WHERE NumeroHub = @numero',
  // OUTPUT … INTO a table variable: a bare OUTPUT fails (334) on a table with a trigger.
  insert:
    'DECLARE @t TABLE (IdOC INT); INSERT INTO OrdenesCompra (NumeroHub, Fecha, Total) OUTPUT INSERTED.IdOC INTO @t VALUES (@numero, @fecha, @total); SELECT IdOC FROM @t',
  insert_item: 'INSERT INTO OrdenesCompraItems (IdOC, Renglon, CodArt, Cantidad) VALUES (@header_id, @renglon, @articulo, @cantidad)',
  update: 'UPDATE OrdenesCompra SET Fecha = @fecha, Total = @total WHERE IdOC = @header_id',
  update_items: 'replace',
  delete_items: 'DELETE FROM OrdenesCompraItems WHERE IdOC = @header_id',
  delete: 'DELETE FROM OrdenesCompra WHERE IdOC = @header_id',
};
export const OC_MAPPING = {
  hub_to_erp: { numero: 'numero', fecha: 'fecha', total: 'total' },
  types: { numero: 'string', fecha: 'date', total: 'decimal' },
  items: { from: 'items', mapping: { articulo: 'articulo', cantidad: 'cantidad' }, types: { cantidad: 'decimal' } },
};
