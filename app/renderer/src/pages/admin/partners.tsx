// Partners on this appliance, newest first as the API returns them.

import { Chip, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import type { AdminApi } from '../../api/admin-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { ProblemAlert } from '../../layout/problem-alert.tsx';

export function Partners({ api }: { api: AdminApi }) {
  const partners = useResource(() => api.listPartners(), [api]);
  return (
    <>
      <Typography variant="h5" gutterBottom>
        Partners
      </Typography>
      <ProblemAlert problem={partners.error} />
      <Table size="small" data-testid="partners-table">
        <TableHead>
          <TableRow>
            <TableCell>Company</TableCell>
            <TableCell>Email</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Since</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {partners.data?.items.map((p) => (
            <TableRow key={p.id}>
              <TableCell>{p.companyName}</TableCell>
              <TableCell>{p.email}</TableCell>
              <TableCell>
                <Chip size="small" label={p.status} color={p.status === 'active' ? 'success' : 'default'} />
              </TableCell>
              <TableCell>{new Date(p.createdAt).toLocaleDateString()}</TableCell>
            </TableRow>
          ))}
          {partners.data?.items.length === 0 && (
            <TableRow>
              <TableCell colSpan={4}>No partners yet.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </>
  );
}
