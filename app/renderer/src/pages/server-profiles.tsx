// Desktop console only: the appliances this machine knows (name + URL), saved by the main
// process. Pick one to connect; its token stays in the OS keychain.

import {
  Box,
  Button,
  Card,
  CardContent,
  IconButton,
  List,
  ListItem,
  ListItemButton,
  ListItemText,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { ConsoleBridge, ServerProfile } from '../../../shared/console-bridge.ts';
import { useResource } from '../api/use-resource.ts';

export function ServerProfiles({
  bridge,
  onConnect,
}: {
  bridge: ConsoleBridge;
  onConnect(p: ServerProfile): void;
}) {
  const profiles = useResource(() => bridge.listProfiles(), [bridge]);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('http://127.0.0.1:8080');
  const [error, setError] = useState<string | null>(null);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await bridge.saveProfile({ name, url });
      setName('');
      setError(null);
      profiles.reload();
    } catch (failure) {
      // IPC errors arrive as "Error invoking remote method '…': ProfileError: <reason>".
      setError(String((failure as Error).message).replace(/^.*Error: /, ''));
    }
  };

  return (
    <Box sx={{ display: 'flex', justifyContent: 'center', mt: 8 }}>
      <Card sx={{ width: 560 }}>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            FaxSeal appliances
          </Typography>
          <List>
            {profiles.data?.map((p) => (
              <ListItem
                key={p.id}
                disablePadding
                secondaryAction={
                  <IconButton
                    aria-label={`Forget ${p.name}`}
                    onClick={() => void bridge.deleteProfile(p.id).then(profiles.reload)}
                  >
                    ×
                  </IconButton>
                }
              >
                <ListItemButton onClick={() => onConnect(p)}>
                  <ListItemText primary={p.name} secondary={p.url} />
                </ListItemButton>
              </ListItem>
            ))}
            {profiles.data?.length === 0 && (
              <Typography color="text.secondary">No appliance yet: add the first one below.</Typography>
            )}
          </List>
          <form onSubmit={save}>
            <Stack sx={{ gap: 2, mt: 2 }}>
              <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} required />
              <TextField
                label="Appliance URL"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                error={error !== null}
                helperText={error ?? 'For example http://faxseal.lan:8080'}
                required
              />
              <Box>
                <Button type="submit" variant="contained">
                  Add appliance
                </Button>
              </Box>
            </Stack>
          </form>
        </CardContent>
      </Card>
    </Box>
  );
}
