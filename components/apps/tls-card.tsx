import { Badge } from '@/components/ui/badge';
import type { Tone } from '@/lib/model/tone';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import type { AppCertificateView } from '@/db/queries/certificates';
import { parseChain, uncoveredDomains } from '@/lib/model/certificate-pem';
import type { AppConfig } from '@/lib/model/app-config';
import { getRuntime } from '@/lib/runtime';
import { TlsUploadForm } from './tls-upload-form';

const DAY_MS = 86_400_000;
/** Renewal normally happens 30 days ahead; under 14 left means it has been failing, or an upload is about to lapse. */
const WARN_DAYS = 14;

type Shown = { label: string; issuer: string; domains: string[]; notAfter: Date; uncovered: string[] };

function Expiry({ notAfter }: { notAfter: Date }) {
  const days = Math.floor((notAfter.getTime() - Date.now()) / DAY_MS);
  const tone: Tone = days < 0 ? 'bad' : days < WARN_DAYS ? 'warn' : 'good';
  const text = days < 0 ? 'expired' : `${days} day${days === 1 ? '' : 's'} left`;
  return (
    <>
      <Time value={notAfter} format="date" /> <Badge tone={tone}>{text}</Badge>
    </>
  );
}

function CertificateRow({ c }: { c: Shown }) {
  return (
    <div className="border-t border-slate-100 py-2 text-sm first:border-t-0" data-testid="tls-certificate">
      <p className="font-medium">{c.label}</p>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-4 gap-y-0.5">
        <dt className="text-slate-500">Issuer</dt>
        <dd>{c.issuer}</dd>
        <dt className="text-slate-500">Domains</dt>
        <dd>{c.domains.join(', ')}</dd>
        <dt className="text-slate-500">Expires</dt>
        <dd>
          <Expiry notAfter={c.notAfter} />
        </dd>
      </dl>
      {c.uncovered.length > 0 && <p className="mt-1 text-amber-800">Does not cover {c.uncovered.join(', ')}: browsers will warn there.</p>}
    </div>
  );
}

type TlsCardProps = {
  appId: string;
  config: AppConfig;
  canManage: boolean;
  /** db/queries/certificates.ts certificatesOfApp: public fields only, never the key. */
  certificates: AppCertificateView[];
  /** The app's web servers, where ACME certificates are issued. */
  web: { id: string; name: string }[];
};

/**
 * The app's TLS: its mode (chosen in the settings), what each web server serves (ACME) or the
 * uploaded certificate, with expiry; and for admins the upload form. Never the key.
 */
export function TlsCard({ appId, config, canManage, certificates, web }: TlsCardProps) {
  const { mode } = config.tls;
  const shown = (c: AppCertificateView, label: string): Shown => {
    const leaf = parseChain(c.certificatePem)[0];
    return {
      label,
      issuer: c.issuer,
      domains: c.domains,
      notAfter: c.notAfter,
      uncovered: leaf ? uncoveredDomains(leaf, config.domains) : [],
    };
  };
  const uploaded = certificates.find((c) => c.serverId === null);
  const description = {
    none: 'HTTP only. Choose ACME or an uploaded certificate in the settings to serve HTTPS.',
    acme: `Certificates from certbot (HTTP-01) on each web server, renewed there; ACME server ${new URL(getRuntime().env.acme.directory).host}.`,
    uploaded: 'The uploaded certificate, installed on every web server by configure.',
  }[mode];
  return (
    <Card title="TLS" description={description}>
      <div data-testid="tls-card" data-mode={mode}>
        {mode === 'acme' &&
          web.map((server) => {
            const c = certificates.find((x) => x.serverId === server.id);
            return c ? (
              <CertificateRow key={server.id} c={shown(c, `On ${server.name}`)} />
            ) : (
              <p key={server.id} className="py-2 text-sm text-slate-600">
                On {server.name}: not issued yet (the next configure run asks for one).
              </p>
            );
          })}
        {mode === 'uploaded' && !uploaded && <p className="text-sm text-slate-600">No certificate uploaded yet.</p>}
        {mode !== 'acme' && uploaded && <CertificateRow c={shown(uploaded, mode === 'uploaded' ? 'Uploaded' : 'Uploaded (not in use)')} />}
        {canManage && (
          <details className="mt-3" open={mode === 'uploaded' && !uploaded}>
            <summary className="cursor-pointer text-sm font-medium text-indigo-700">
              {uploaded ? 'Replace the uploaded certificate' : 'Upload a certificate'}
            </summary>
            <div className="mt-3">
              <TlsUploadForm appId={appId} />
            </div>
          </details>
        )}
      </div>
    </Card>
  );
}
