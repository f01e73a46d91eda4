import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.ts';

/**
 * Large agent uploads may arrive gzip- or deflate-compressed (Content-Encoding). The body limit
 * applies to the decompressed bytes, so a small compressed bomb cannot exhaust memory.
 */
export function registerRequestDecompression(app: FastifyInstance): void {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const encoding = req.headers['content-encoding']?.toLowerCase();
    if (!encoding || encoding === 'identity') return payload;
    if (encoding !== 'gzip' && encoding !== 'deflate')
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported; use gzip or deflate`);
    delete req.headers['content-length'];
    const inflater = encoding === 'gzip' ? createGunzip() : createInflate();
    inflater.on('error', () => {});
    return payload.pipe(inflater);
  });
}
