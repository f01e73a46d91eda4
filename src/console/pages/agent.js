// Site agent: last seen, version, last upload and download, as the server recorded them.
import { api } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { fmtDate, show } from '../format.js';
import { t } from '../i18n.js';

export async function render(main) {
  const data = await api('GET', '/api/v1/sync/agent/activity');
  fill(
    main,
    h('h2', {}, t('nav.agent')),
    data.agents.length
      ? h(
          'table',
          { id: 'agent-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['key', 'lastSeen', 'version', 'lastUpload', 'lastDownload'].map((c) => h('th', {}, t(`agent.${c}`))),
            ),
          ),
          h(
            'tbody',
            {},
            data.agents.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, `${a.key_prefix}…`, a.revoked ? h('small', {}, ` (${t('agent.revoked')})`) : null),
                h('td', {}, fmtDate(a.last_seen_at)),
                h('td', {}, show(a.version)),
                h('td', {}, fmtDate(a.last_upload_at)),
                h('td', {}, fmtDate(a.last_download_at)),
              ),
            ),
          ),
        )
      : notice('info', t('agent.none')),
  );
}
